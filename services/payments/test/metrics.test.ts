// payments_total{outcome} and refunds_total{outcome} on /metrics after real charges and refunds
// (the provider faked with nock): captured, declined, failed (provider unreachable); a refund that
// succeeded and one the provider refused. A redelivered message counts nothing twice.
import type { StockReserved } from '@mercato/contracts';
import { eventually, metricSample } from '@mercato/testing';
import nock from 'nock';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { PROVIDER, sleep, startPayments } from './helpers.ts';

t.before(() => nock.disableNetConnect());
t.teardown(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const reserved = (token: string, amount: string): StockReserved => ({
  orderId: uuidv7(),
  userId: uuidv7(),
  revision: 1,
  lines: [{ productId: uuidv7(), quantity: 1 }],
  total: { amount, currency: 'EUR' },
  paymentMethod: { type: 'card', token },
});

t.test('payments and refunds by outcome', async (t) => {
  const svc = await startPayments(t);
  const scrape = async () => {
    const res = await svc.app.inject({ url: '/metrics' });
    t.equal(res.statusCode, 200);
    return res.body;
  };

  // Captured (and the same message again: no second charge, no second count).
  const good = reserved('tok_visa', '20.00');
  nock(PROVIDER)
    .post('/v1/charges')
    .reply(201, { id: `ch_${good.orderId}`, status: 'succeeded' });
  const goodEvent = svc.event('stock.reserved', good, good.orderId);
  await svc.publish(goodEvent);
  await svc.events.waitFor('payment.succeeded', good.orderId);
  await svc.publish(goodEvent);
  // Declined by the provider.
  const declined = reserved('tok_chargeDeclined', '5.00');
  nock(PROVIDER).post('/v1/charges').reply(402, { error: 'card_declined' });
  await svc.publish(svc.event('stock.reserved', declined, declined.orderId));
  await svc.events.waitFor('payment.failed', declined.orderId);
  // The provider unreachable on every try (PAYMENT_PROVIDER_MAX_TRIES=3).
  const unreachable = reserved('tok_visa', '6.00');
  nock(PROVIDER).post('/v1/charges').times(3).reply(503, { error: 'unavailable' });
  await svc.publish(svc.event('stock.reserved', unreachable, unreachable.orderId));
  const [failed] = await svc.events.waitFor('payment.failed', unreachable.orderId);
  t.equal(failed!.data.reason, 'provider_unavailable');

  let text = await scrape();
  t.equal(metricSample(text, 'payments_total', { service: 'payments', outcome: 'captured' }), 1);
  t.equal(metricSample(text, 'payments_total', { outcome: 'declined' }), 1);
  t.equal(metricSample(text, 'payments_total', { outcome: 'failed' }), 1);
  t.equal(metricSample(text, 'refunds_total'), undefined, 'no refund yet');

  // The captured order is cancelled: its refund succeeds.
  nock(PROVIDER).post('/v1/refunds').reply(201, { id: 're_1', status: 'succeeded' });
  await svc.publish(
    svc.event(
      'order.cancelled',
      { orderId: good.orderId, userId: good.userId, reason: 'customer', previousStatus: 'CONFIRMED' },
      good.orderId,
    ),
  );
  await svc.events.waitFor('payment.refunded', good.orderId);
  // Another captured order whose refund the provider refuses.
  const second = reserved('tok_visa', '8.00');
  nock(PROVIDER)
    .post('/v1/charges')
    .reply(201, { id: `ch_${second.orderId}`, status: 'succeeded' });
  await svc.publish(svc.event('stock.reserved', second, second.orderId));
  await svc.events.waitFor('payment.succeeded', second.orderId);
  nock(PROVIDER).post('/v1/refunds').reply(400, { error: 'amount_too_large' });
  await svc.publish(
    svc.event(
      'order.cancelled',
      { orderId: second.orderId, userId: second.userId, reason: 'admin', previousStatus: 'CONFIRMED' },
      second.orderId,
    ),
  );
  await eventually(async () => {
    const rows = await svc.query('select status from refund where order_id = $1', [second.orderId]);
    if (rows[0]?.status !== 'failed') throw new Error('refund not settled yet');
  });
  await sleep(200); // a stray second count would show now

  text = await scrape();
  t.equal(metricSample(text, 'payments_total', { outcome: 'captured' }), 2);
  t.equal(metricSample(text, 'payments_total', { outcome: 'declined' }), 1);
  t.equal(metricSample(text, 'payments_total', { outcome: 'failed' }), 1);
  t.equal(metricSample(text, 'refunds_total', { outcome: 'succeeded' }), 1);
  t.equal(metricSample(text, 'refunds_total', { outcome: 'failed' }), 1);
});
