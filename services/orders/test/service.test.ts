// The service as a whole: probes, OpenAPI, and staying useful while the broker or Redis is away.
import { startTcpProxy, TEST_AMQP_URL, TEST_REDIS_URL } from '@mercato/testing';
import t from 'tap';
import { eventually, placeOrder, setup } from './helpers.ts';

t.test('probes answer and OpenAPI documents every orders route', async (t) => {
  const s = await setup(t);
  t.equal((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const ready = await s.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { checks: { postgres: 'ok', rabbitmq: 'ok' } });
  const doc = (await s.app.inject({ method: 'GET', url: '/docs/json' })).json();
  for (const path of [
    '/orders',
    '/orders/{id}',
    '/orders/{id}/status',
    '/orders/history/{userId}',
    '/orders/{id}/cancel',
    '/orders/{id}/items',
    '/orders/{id}/items/{itemId}',
  ]) {
    t.ok(doc.paths[path], `${path} is documented`);
  }
  t.ok(doc.paths['/orders'].post.requestBody, 'POST /orders documents its body');
  const unknown = await s.app.inject({ method: 'GET', url: '/nowhere' });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.headers['content-type'], 'application/problem+json; charset=utf-8');
});

t.test('orders are taken while the broker is unreachable; their events follow when it is back', async (t) => {
  const amqp = new URL(TEST_AMQP_URL);
  const proxy = await startTcpProxy({ host: amqp.hostname, port: Number(amqp.port || 5672) });
  t.teardown(() => proxy.close());
  const viaProxy = new URL(TEST_AMQP_URL);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const s = await setup(t, { AMQP_URL: viaProxy.toString() });
  const p = await s.seedProduct({ price: { amount: '2.00', currency: 'EUR' } });

  proxy.cut();
  await eventually(async () => {
    if ((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode !== 503)
      throw new Error('still ready');
  });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  t.equal(order.status, 'PENDING', 'placing does not need the broker');

  await proxy.restore();
  await eventually(
    async () => {
      if (s.events.of('order.placed', order.id).length === 0) throw new Error('not published yet');
    },
    { timeoutMs: 30_000 },
  );
  t.pass('order.placed published after the outage');
  t.equal((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});

t.test('orders are taken while Redis is unreachable (the deny-list check is skipped)', async (t) => {
  const redis = new URL(TEST_REDIS_URL);
  const proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  t.teardown(() => proxy.close());
  const s = await setup(t, { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
  const p = await s.seedProduct({ price: { amount: '2.00', currency: 'EUR' } });
  proxy.cut();
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  t.equal(order.status, 'PENDING');
});
