// Orders left PENDING past ORDER_PENDING_TIMEOUT_MS, or past PAYMENT_RETRY_WINDOW_MS after a declined
// payment, are cancelled by the sweeper, once, even with several replicas sweeping the same table.
import type { PaymentFailed } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { buildApp } from '../src/app.ts';
import { expiredBecause } from '../src/domain/expiry.ts';
import { sweepExpiredOrders } from '../src/use-cases/cancel-expired-orders.ts';
import { deliver, eventually, placeOrder, setup, testConfig } from './helpers.ts';

const declined = (order: any) =>
  envelope<PaymentFailed>(
    'payment.failed',
    {
      paymentId: uuidv7(),
      orderId: order.id,
      userId: order.userId,
      revision: order.revision,
      amount: order.total,
      reason: 'card_declined',
    },
    { source: 'payments', correlationId: order.id },
  );

t.test('a PENDING order past the timeout is cancelled (timeout); others are left alone', async (t) => {
  const s = await setup(t, { ORDER_PENDING_TIMEOUT_MS: 300, ORDER_SWEEP_INTERVAL_MS: 50 });
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const stale = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const confirmed = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  await s.app.inject({
    method: 'PUT',
    url: `/orders/${confirmed.id}`,
    headers: s.bearer(s.admin.token),
    payload: { status: 'CONFIRMED' },
  });
  const get = async (id: string) =>
    (await s.app.inject({ method: 'GET', url: `/orders/${id}`, headers: s.bearer(s.admin.token) })).json();

  await eventually(async () => {
    if ((await get(stale.id)).status !== 'CANCELLED') throw new Error('not cancelled yet');
  });
  t.match(await get(stale.id), { status: 'CANCELLED', cancelReason: 'timeout' });
  t.match(await get(confirmed.id), { status: 'CONFIRMED' }, 'a confirmed order does not time out');
  const [event] = await eventually(async () => {
    const found = s.events.of('order.cancelled', stale.id);
    if (found.length === 0) throw new Error('not yet');
    return found;
  });
  t.match(event!.data, { orderId: stale.id, reason: 'timeout', previousStatus: 'PENDING' });
  const status = await s.app.inject({
    method: 'GET',
    url: `/orders/${stale.id}/status`,
    headers: s.bearer(s.customer.token),
  });
  t.match(status.json().history, [{ to: 'PENDING' }, { from: 'PENDING', to: 'CANCELLED', cause: 'timeout' }]);
});

t.test('a declined order not paid within the retry window is cancelled (payment_failed)', async (t) => {
  const window = 400;
  const s = await setup(t, {
    ORDER_PENDING_TIMEOUT_MS: 60_000,
    PAYMENT_RETRY_WINDOW_MS: window,
    ORDER_SWEEP_INTERVAL_MS: 50,
  });
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const unpaid = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const waiting = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  await deliver(s, declined(unpaid));
  const get = async (id: string) =>
    (await s.app.inject({ method: 'GET', url: `/orders/${id}`, headers: s.bearer(s.admin.token) })).json();

  const cancelled = await eventually(async () => {
    const o = await get(unpaid.id);
    if (o.status !== 'CANCELLED') throw new Error('not cancelled yet');
    return o;
  });
  t.match(cancelled, {
    status: 'CANCELLED',
    cancelReason: 'payment_failed',
    payment: { reason: 'card_declined' },
  });
  const status = await s.app.inject({
    method: 'GET',
    url: `/orders/${unpaid.id}/status`,
    headers: s.bearer(s.customer.token),
  });
  const history = status.json().history;
  t.match(history, [
    { from: null, to: 'PENDING' },
    { from: 'PENDING', to: 'PENDING', cause: 'payment.failed' },
    { from: 'PENDING', to: 'CANCELLED', cause: 'payment_retry_window' },
  ]);
  t.ok(
    Date.parse(history[2].at) - Date.parse(cancelled.payment.failedAt) >= window,
    'not cancelled before the window had passed',
  );
  const [event] = await eventually(async () => {
    const found = s.events.of('order.cancelled', unpaid.id);
    if (found.length === 0) throw new Error('not yet');
    return found;
  });
  t.match(event!.data, { orderId: unpaid.id, reason: 'payment_failed', previousStatus: 'PENDING' });
  t.match(await get(waiting.id), { status: 'PENDING' }, 'an order without a failed payment waits on');
});

t.test('one sweep pass: each deadline, and the one that passed first names the reason', async (t) => {
  // The app's own sweeper runs every minute: the passes here are the only ones in this test.
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const failed = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const fresh = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  await deliver(s, declined(failed));
  const get = async (id: string) =>
    (await s.app.inject({ method: 'GET', url: `/orders/${id}`, headers: s.bearer(s.admin.token) })).json();

  t.same(
    await sweepExpiredOrders(s.app.orm, { timeoutMs: 60_000, paymentRetryWindowMs: 60_000 }),
    { timeout: 0, paymentFailed: 0 },
    'within both deadlines: nothing',
  );
  t.equal((await get(failed.id)).status, 'PENDING');
  t.same(await sweepExpiredOrders(s.app.orm, { timeoutMs: 60_000, paymentRetryWindowMs: 0 }), {
    timeout: 0,
    paymentFailed: 1,
  });
  t.match(await get(failed.id), { status: 'CANCELLED', cancelReason: 'payment_failed' });
  t.match(await get(fresh.id), { status: 'PENDING' }, 'no failure: the window does not apply');
  t.same(await sweepExpiredOrders(s.app.orm, { timeoutMs: 0, paymentRetryWindowMs: 0 }), {
    timeout: 1,
    paymentFailed: 0,
  });
  t.match(await get(fresh.id), { status: 'CANCELLED', cancelReason: 'timeout' });
  await eventually(async () => {
    if (s.events.of('order.cancelled', failed.id).length !== 1) throw new Error('not announced once');
    if (s.events.of('order.cancelled', fresh.id).length !== 1) throw new Error('not announced once');
  });

  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
  const opts = { timeoutMs: 15 * 60_000, paymentRetryWindowMs: 10 * 60_000 };
  const now = at(30 * 60_000).getTime();
  t.equal(expiredBecause({ createdAt: at(0), paymentFailedAt: at(60_000) }, opts, now), 'payment_failed');
  t.equal(
    expiredBecause({ createdAt: at(0), paymentFailedAt: at(14 * 60_000) }, opts, now),
    'timeout',
    'failed late: the overall timeout came first',
  );
  t.equal(expiredBecause({ createdAt: at(0), paymentFailedAt: null }, opts, now), 'timeout');
  t.equal(
    expiredBecause({ createdAt: at(25 * 60_000), paymentFailedAt: at(26 * 60_000) }, opts, now),
    null,
    'neither deadline has passed',
  );
  t.equal(
    expiredBecause(
      { createdAt: at(25 * 60_000), paymentFailedAt: at(25 * 60_000) },
      opts,
      at(36 * 60_000).getTime(),
    ),
    'payment_failed',
  );
});

t.test('three replicas sweeping at once cancel every timed-out order exactly once', async (t) => {
  // The first app places the orders with a long timeout; then three replicas with a short one sweep.
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const orders = await Promise.all(
    Array.from({ length: 60 }, () =>
      placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]),
    ),
  );
  // Half of them were declined an hour ago: their retry window (1 ms) passed before their timeout.
  const declinedIds = orders.filter((_, i) => i % 2 === 0).map((o) => o.id);
  await s.app.orm.em.fork().execute(
    `update "${s.schema}".orders set payment_failed_at = now() - interval '1 hour',
         payment_failure_reason = 'card_declined' where id = any(?::uuid[])`,
    [`{${declinedIds.join(',')}}`],
  );
  const replicas = await Promise.all(
    [1, 2, 3].map(() =>
      buildApp(
        testConfig(s.schema, s.exchange, {
          ORDER_PENDING_TIMEOUT_MS: 1,
          PAYMENT_RETRY_WINDOW_MS: 1,
          ORDER_SWEEP_INTERVAL_MS: 20,
        }),
        { jwks: s.auth.jwks, retryDelaysMs: [200, 500] },
      ),
    ),
  );
  t.teardown(() => Promise.all(replicas.map((r) => r.close())));
  const em = s.app.orm.em.fork();
  await eventually(async () => {
    const [{ n }] = await em.execute(
      `select count(*)::int as n from "${s.schema}".orders where status = 'PENDING'`,
    );
    if (n > 0) throw new Error(`${n} still pending`);
  });
  const perOrder = await em.execute(
    `select order_id, count(*)::int as n from "${s.schema}".order_status_history
     where to_status = 'CANCELLED' group by order_id`,
  );
  t.equal(perOrder.length, orders.length, 'every order cancelled');
  t.ok(
    perOrder.every((r: any) => r.n === 1),
    'each exactly once',
  );
  const [{ n }] = await em.execute(
    `select count(*)::int as n from "${s.schema}".outbox where type = 'order.cancelled'`,
  );
  t.equal(n, orders.length, 'one order.cancelled per order');
  const reasons = await em.execute(
    `select cancel_reason, count(*)::int as n from "${s.schema}".orders group by cancel_reason order by 1`,
  );
  t.same(
    reasons,
    [
      { cancel_reason: 'payment_failed', n: declinedIds.length },
      { cancel_reason: 'timeout', n: orders.length - declinedIds.length },
    ],
    'the declined ones for their payment, the others for the timeout',
  );
});
