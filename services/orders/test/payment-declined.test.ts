// order.payment_declined: written with the recorded failure of a PENDING order that may be paid again,
// carrying the retry deadline GET /orders/{id} shows; never when the order is cancelled instead (no
// window), for a stale revision, or once the deadline has passed.
import type { PaymentFailed } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { eventually, getOrder, handled, placeOrder, type Setup, setup } from './helpers.ts';

const paymentFailed = (order: any, reason = 'card_declined', revision = order.revision) =>
  envelope<PaymentFailed>(
    'payment.failed',
    { paymentId: uuidv7(), orderId: order.id, userId: order.userId, revision, amount: order.total, reason },
    { source: 'payments', correlationId: order.id },
  );

/** The order.payment_declined rows of the order in the outbox (written or not: the transaction's truth). */
const declinedRows = async (s: Setup, orderId: string) =>
  (await s.app.orm.em.fork().execute(
    `select payload from "${s.schema}".outbox where type = 'order.payment_declined'
         and payload->'data'->>'orderId' = ? order by id`,
    [orderId],
  )) as { payload: Envelope }[];

t.test('a declined payment within the retry window is announced with the deadline', async (t) => {
  const window = 10 * 60_000;
  const s = await setup(t, { PAYMENT_RETRY_WINDOW_MS: window });
  const p = await s.seedProduct({ price: { amount: '12.50', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 2 }]);

  const failed = paymentFailed(order);
  await s.publish(failed);
  await handled(s, failed);
  const awaiting = await getOrder(s, order.id);
  t.equal(awaiting.status, 'PENDING');

  const [event] = await eventually(async () => {
    const found = s.events.of('order.payment_declined', order.id);
    if (found.length === 0) throw new Error('not yet');
    return found;
  });
  t.match(event, {
    type: 'order.payment_declined',
    version: 1,
    source: 'orders',
    correlationId: order.id,
    causationId: failed.id,
  });
  t.same(
    event!.data,
    {
      orderId: order.id,
      userId: s.customer.id,
      revision: 1,
      total: { amount: '25.00', currency: 'EUR' },
      reason: 'card_declined',
      retryUntil: awaiting.payment.retryUntil,
    },
    'the deadline is the one the order shows',
  );
  t.equal(
    Date.parse((event!.data as { retryUntil: string }).retryUntil) - Date.parse(awaiting.payment.failedAt),
    window,
    'retryUntil = paymentFailedAt + PAYMENT_RETRY_WINDOW_MS',
  );

  // The same message again (at-least-once): no second event.
  await s.publish(failed);
  const again = paymentFailed(order, 'insufficient_funds');
  await s.publish(again);
  await handled(s, again);
  const rows = await declinedRows(s, order.id);
  t.equal(rows.length, 2, 'one per declined payment, none for the redelivered copy');
  t.match(
    rows[1]!.payload.data,
    {
      reason: 'insufficient_funds',
      retryUntil: awaiting.payment.retryUntil,
    },
    'a declined retry repeats the deadline: the window is not extended',
  );
});

t.test('a declined payment is not announced when it cancels the order (window 0)', async (t) => {
  const s = await setup(t, { PAYMENT_RETRY_WINDOW_MS: 0 });
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const failed = paymentFailed(order);
  await s.publish(failed);
  await handled(s, failed);
  t.match(await getOrder(s, order.id), { status: 'CANCELLED', cancelReason: 'payment_failed' });
  t.equal((await declinedRows(s, order.id)).length, 0, 'order.cancelled instead');
});

t.test('nothing is announced for a stale revision, a non-PENDING order, or past the deadline', async (t) => {
  const window = 10 * 60_000;
  const s = await setup(t, { PAYMENT_RETRY_WINDOW_MS: window });
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });

  // Stale: the lines changed since the payment was asked for.
  const changed = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const put = await s.app.inject({
    method: 'PUT',
    url: `/orders/${changed.id}/items/${changed.lines[0].id}`,
    headers: s.bearer(s.customer.token),
    payload: { quantity: 2 },
  });
  t.equal(put.statusCode, 200);
  const stale = paymentFailed(changed, 'card_declined', 1);
  await s.publish(stale);
  await handled(s, stale);
  t.equal((await declinedRows(s, changed.id)).length, 0, 'stale revision: nothing');

  // Cancelled by the customer before the failure arrived.
  const cancelled = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const cancel = await s.app.inject({
    method: 'POST',
    url: `/orders/${cancelled.id}/cancel`,
    headers: s.bearer(s.customer.token),
  });
  t.equal(cancel.statusCode, 200);
  const late = paymentFailed(cancelled);
  await s.publish(late);
  await handled(s, late);
  t.equal((await declinedRows(s, cancelled.id)).length, 0, 'cancelled order: nothing');

  // The window of the first failure has passed (the sweeper has not cancelled it yet): a declined
  // retry promises no deadline that is already over.
  const expired = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const first = paymentFailed(expired);
  await s.publish(first);
  await handled(s, first);
  t.equal((await declinedRows(s, expired.id)).length, 1, 'the first failure is announced');
  await s.app.orm.em
    .fork()
    .execute(
      `update "${s.schema}".orders set payment_failed_at = payment_failed_at - interval '1 hour' where id = ?`,
      [expired.id],
    );
  const retry = paymentFailed(expired);
  await s.publish(retry);
  await handled(s, retry);
  t.equal((await declinedRows(s, expired.id)).length, 1, 'past the deadline: not announced again');
  t.match(await getOrder(s, expired.id), { status: 'PENDING', payment: { reason: 'card_declined' } });
});
