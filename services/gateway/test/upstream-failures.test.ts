import net from 'node:net';
import t from 'tap';
import { closedPortUrl, startGateway, startIdentityLike } from './helpers.ts';

const identity = await startIdentityLike(t);

// A server that accepts the connection and drops it as soon as a request arrives.
const resetter = net.createServer((socket) => socket.on('data', () => socket.destroy()));
await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', () => resolve()));
t.teardown(() => new Promise<void>((resolve) => resetter.close(() => resolve())));
const resetterUrl = `http://127.0.0.1:${(resetter.address() as net.AddressInfo).port}`;

const { app: gateway } = await startGateway(t, {
  IDENTITY_URL: identity.url,
  CATALOG_URL: await closedPortUrl(),
  CART_URL: resetterUrl,
  UPSTREAM_TIMEOUT_MS: '300',
});

t.test('an upstream that is not running → 503 problem+json naming it', async (t) => {
  const res = await gateway.inject({
    method: 'GET',
    url: '/products/p1',
    headers: { 'x-request-id': 'down-1' },
  });
  t.equal(res.statusCode, 503);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json(), {
    type: 'https://mercato.dev/problems/service-unavailable',
    status: 503,
    detail: /catalog/,
    requestId: 'down-1',
  });
  t.equal(res.headers['x-request-id'], 'down-1');
});

t.test('an upstream that hangs → 504 problem+json once UPSTREAM_TIMEOUT_MS is over', async (t) => {
  const res = await gateway.inject({ method: 'GET', url: '/auth/hang' });
  t.equal(res.statusCode, 504);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json(), {
    type: 'https://mercato.dev/problems/gateway-timeout',
    status: 504,
    detail: /identity/,
  });
  t.equal(identity.hits.hang, 1, 'the request did reach the upstream');
});

t.test('an upstream that drops the connection → 502 problem+json', async (t) => {
  const res = await gateway.inject({ method: 'GET', url: '/carts/c1' });
  t.equal(res.statusCode, 502);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json(), { type: 'https://mercato.dev/problems/bad-gateway', status: 502, detail: /cart/ });
});

t.test('the other upstreams keep working meanwhile', async (t) => {
  const res = await gateway.inject({ method: 'GET', url: '/auth/echo' });
  t.equal(res.statusCode, 200);
});

t.test('/readyz does not depend on upstreams by default', async (t) => {
  const res = await gateway.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 200);
});

t.test('with READY_REQUIRES_UPSTREAMS a down upstream makes the gateway not ready', async (t) => {
  const { app } = await startGateway(t, {
    IDENTITY_URL: identity.url,
    CATALOG_URL: await closedPortUrl(),
    READY_REQUIRES_UPSTREAMS: 'true',
  });
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { failing: ['catalog'], checks: { identity: 'ok' } });
});
