// Orders left PENDING past ORDER_PENDING_TIMEOUT_MS are cancelled by the sweeper, once, even with
// several replicas sweeping the same table.
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { eventually, placeOrder, setup, testConfig } from './helpers.ts';

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

t.test('three replicas sweeping at once cancel every timed-out order exactly once', async (t) => {
  // The first app places the orders with a long timeout; then three replicas with a short one sweep.
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const orders = await Promise.all(
    Array.from({ length: 60 }, () =>
      placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]),
    ),
  );
  const replicas = await Promise.all(
    [1, 2, 3].map(() =>
      buildApp(
        testConfig(s.schema, s.exchange, { ORDER_PENDING_TIMEOUT_MS: 1, ORDER_SWEEP_INTERVAL_MS: 20 }),
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
});
