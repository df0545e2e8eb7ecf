// The orders funnel on /metrics after real work through the API and the consumers: placements,
// every status change by from/to, cancellations by reason, placement-to-confirmation latency, the
// PENDING backlog; and a change that rolls back is not counted.

import type { StockRejected } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import { metricSample } from '@mercato/testing';
import t from 'tap';
import { findOrderForUpdate, transition } from '../src/persistence/orders.ts';
import { deliver, paymentSucceeded, placeOrder, type Setup, setup } from './helpers.ts';

const scrape = async (s: Setup) => {
  const res = await s.app.inject({ url: '/metrics' });
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
  return res.body;
};

const stockRejected = (order: any) =>
  envelope<StockRejected>(
    'stock.rejected',
    {
      orderId: order.id,
      userId: order.userId,
      revision: order.revision,
      shortLines: [{ productId: order.lines[0].productId, requested: 1, available: 0 }],
    },
    { source: 'inventory', correlationId: order.id },
  );

t.test('placements, transitions, cancellations, confirmation latency and the PENDING backlog', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '4.00', currency: 'EUR' } });
  const place = () => placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const [a, b, c, d] = [await place(), await place(), await place(), await place()];

  let text = await scrape(s);
  t.equal(metricSample(text, 'orders_placed_total', { service: 'orders' }), 4, 'four orders placed');
  t.equal(metricSample(text, 'orders_pending'), 4, 'all four PENDING');
  t.ok(metricSample(text, 'orders_pending_oldest_seconds')! > 0, 'the oldest has waited a little');
  t.equal(metricSample(text, 'orders_transitions_total'), undefined, 'no status change yet');

  // a: paid (the same message twice: one confirmation), then shipped and delivered by an admin.
  const paid = paymentSucceeded(a);
  await deliver(s, paid, paid);
  const put = (id: string, status: string) =>
    s.app.inject({
      method: 'PUT',
      url: `/orders/${id}`,
      headers: s.bearer(s.admin.token),
      payload: { status },
    });
  t.equal((await put(a.id, 'SHIPPED')).statusCode, 200);
  t.equal((await put(a.id, 'DELIVERED')).statusCode, 200);
  // b: out of stock. c: cancelled by its customer.
  await deliver(s, stockRejected(b));
  const cancel = await s.app.inject({
    method: 'POST',
    url: `/orders/${c.id}/cancel`,
    headers: s.bearer(s.customer.token),
  });
  t.equal(cancel.statusCode, 200, cancel.body);
  // d: a cancellation whose transaction rolls back is not counted.
  await t.rejects(
    s.app.orm.em.fork().transactional(async (em) => {
      const order = await findOrderForUpdate(em, d.id);
      await transition(em, order!, 'CANCELLED', { cause: 'test', cancelReason: 'admin' });
      await em.flush();
      throw new Error('rolled back on purpose');
    }),
    /rolled back on purpose/,
  );

  text = await scrape(s);
  const transitions = (from: string, to: string) =>
    metricSample(text, 'orders_transitions_total', { from, to });
  t.equal(transitions('PENDING', 'CONFIRMED'), 1, 'confirmed once despite the duplicate');
  t.equal(transitions('CONFIRMED', 'SHIPPED'), 1);
  t.equal(transitions('SHIPPED', 'DELIVERED'), 1);
  t.equal(transitions('PENDING', 'CANCELLED'), 2, 'b and c; the rolled-back d is not there');
  t.equal(metricSample(text, 'orders_cancelled_total', { reason: 'out_of_stock' }), 1);
  t.equal(metricSample(text, 'orders_cancelled_total', { reason: 'customer' }), 1);
  t.equal(
    metricSample(text, 'orders_cancelled_total', { reason: 'admin' }),
    undefined,
    'the rollback counted nothing',
  );
  t.equal(metricSample(text, 'orders_confirmation_seconds_count'), 1, 'one confirmation timed');
  const latency = metricSample(text, 'orders_confirmation_seconds_sum')!;
  t.ok(latency > 0 && latency < 60, `placement to confirmation took ${latency} s`);
  t.equal(metricSample(text, 'orders_confirmation_seconds_bucket', { le: '120' }), 1);
  t.equal(metricSample(text, 'orders_placed_total'), 4, 'still four placed');
  t.equal(metricSample(text, 'orders_pending'), 1, 'only d is PENDING');

  // An admin deletes the open d: announced as cancelled, so counted as an admin cancellation.
  const del = await s.app.inject({
    method: 'DELETE',
    url: `/orders/${d.id}`,
    headers: s.bearer(s.admin.token),
  });
  t.equal(del.statusCode, 204, del.body);
  text = await scrape(s);
  t.equal(metricSample(text, 'orders_cancelled_total', { reason: 'admin' }), 1);
  t.equal(transitions('PENDING', 'CANCELLED'), 3);
  t.equal(metricSample(text, 'orders_pending'), 0);
  t.equal(metricSample(text, 'orders_pending_oldest_seconds'), 0, '0 when nothing is PENDING');
});
