import t from 'tap';
import { startCatalogLike, startGateway, startIdentityLike } from './helpers.ts';

const identity = await startIdentityLike(t);
const catalog = await startCatalogLike(t);
const { app: gateway } = await startGateway(t, {
  IDENTITY_URL: identity.url,
  CATALOG_URL: catalog.url,
  CORS_ORIGINS: 'https://shop.example, https://admin.example',
  BODY_LIMIT_BYTES: '1024',
});

t.test('routes each prefix to its upstream and passes the request id both ways', async (t) => {
  const res = await gateway.inject({
    method: 'GET',
    url: '/auth/echo?x=1',
    headers: { 'x-request-id': 'req-gw-1' },
  });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.service, 'identity');
  t.equal(body.url, '/auth/echo?x=1');
  t.equal(body.requestId, 'req-gw-1', 'the upstream logs under the client id');
  t.equal(res.headers['x-request-id'], 'req-gw-1');
  t.equal(body.forwardedFor, '127.0.0.1', 'the upstream learns who the client is');

  const user = await gateway.inject({ method: 'GET', url: '/users/u1' });
  t.same(user.json(), { service: 'identity', id: 'u1' });

  const product = await gateway.inject({ method: 'GET', url: '/products/p-42' });
  t.equal(product.statusCode, 200);
  t.same(product.json(), { service: 'catalog', id: 'p-42' });
});

t.test('mints a request id when the client sends none and gives the upstream the same one', async (t) => {
  const res = await gateway.inject({ method: 'GET', url: '/auth/echo' });
  const id = res.headers['x-request-id'];
  t.type(id, 'string');
  t.ok(String(id).length > 0);
  t.equal(res.json().requestId, id);
});

t.test('an upstream answer is passed on as is, errors included', async (t) => {
  const res = await gateway.inject({ method: 'GET', url: '/users/u1/nothing-here' });
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.equal(res.json().status, 404);
});

t.test('unknown route and unrouted prefix → 404 problem+json from the gateway', async (t) => {
  for (const url of ['/nope', '/orders/123']) {
    const res = await gateway.inject({ method: 'GET', url });
    t.equal(res.statusCode, 404, url);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { type: 'https://mercato.dev/problems/not-found', status: 404 });
  }
});

t.test('malformed JSON → 400 problem+json and no handler runs', async (t) => {
  const before = identity.hits['echo-post'] ?? 0;
  const res = await gateway.inject({
    method: 'POST',
    url: '/auth/echo',
    headers: { 'content-type': 'application/json' },
    payload: '{"name": ',
  });
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.equal(res.json().status, 400);
  t.equal(identity.hits['echo-post'] ?? 0, before);

  const ok = await gateway.inject({ method: 'POST', url: '/auth/echo', payload: { name: 'Ada' } });
  t.same(ok.json(), { received: { name: 'Ada' } }, 'a well-formed body goes through untouched');
});

t.test('a body over the limit → 413 problem+json, never forwarded', async (t) => {
  const before = identity.hits['echo-post'] ?? 0;
  const res = await gateway.inject({
    method: 'POST',
    url: '/auth/echo',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ name: 'x'.repeat(2048) }),
  });
  t.equal(res.statusCode, 413);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json(), { status: 413, type: 'https://mercato.dev/problems/payload-too-large' });
  t.equal(identity.hits['echo-post'] ?? 0, before);
});

t.test('CORS: preflight from an allowed origin is answered, others get no grant', async (t) => {
  const preflight = await gateway.inject({
    method: 'OPTIONS',
    url: '/auth/echo',
    headers: {
      origin: 'https://shop.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,authorization',
    },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], 'https://shop.example');
  t.match(String(preflight.headers['access-control-allow-methods']), /POST/);
  t.match(String(preflight.headers['access-control-allow-headers']), /authorization/);

  const simple = await gateway.inject({
    method: 'GET',
    url: '/auth/echo',
    headers: { origin: 'https://admin.example' },
  });
  t.equal(simple.headers['access-control-allow-origin'], 'https://admin.example');
  t.match(String(simple.headers['access-control-expose-headers']), /x-request-id/);

  const foreign = await gateway.inject({
    method: 'OPTIONS',
    url: '/auth/echo',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  t.equal(foreign.headers['access-control-allow-origin'], undefined);

  for (const origin of ['https://evil.example', 'null', 'https://shop.example.evil.example']) {
    const res = await gateway.inject({ method: 'GET', url: '/auth/echo', headers: { origin } });
    t.equal(res.statusCode, 200, `${origin}: the request itself is served`);
    t.equal(res.headers['access-control-allow-origin'], undefined, `${origin}: but no grant`);
    t.equal(res.headers['access-control-allow-credentials'], undefined, `${origin}: and no credentials`);
  }
});

t.test('a gateway configured with * or null does not start', async (t) => {
  for (const CORS_ORIGINS of ['*', 'https://shop.example,null'])
    await t.rejects(startGateway(t, { IDENTITY_URL: identity.url, CORS_ORIGINS }), /CORS_ORIGINS/);
});

t.test('X-Forwarded-For is set by the gateway: a client cannot pass its own to the services', async (t) => {
  const res = await gateway.inject({
    method: 'GET',
    url: '/auth/echo',
    remoteAddress: '198.51.100.7',
    headers: { 'x-forwarded-for': '203.0.113.66' },
  });
  t.equal(res.json().forwardedFor, '198.51.100.7');
});

t.test('Cache-Control: no-store on answers to authenticated requests and on PDFs', async (t) => {
  const authed = await gateway.inject({
    method: 'GET',
    url: '/auth/echo',
    headers: { authorization: 'Bearer whatever' },
  });
  t.equal(authed.statusCode, 200);
  t.equal(authed.headers['cache-control'], 'no-store');
  const refused = await gateway.inject({
    method: 'GET',
    url: '/nowhere',
    headers: { authorization: 'Bearer whatever' },
  });
  t.equal(refused.statusCode, 404);
  t.equal(refused.headers['cache-control'], 'no-store', 'errors too');
  const pdf = await gateway.inject({ method: 'GET', url: '/auth/pdf' });
  t.equal(pdf.headers['content-type'], 'application/pdf');
  t.equal(pdf.headers['cache-control'], 'no-store', 'the upstream’s public max-age is overridden');
  const anonymous = await gateway.inject({ method: 'GET', url: '/auth/echo' });
  t.not(anonymous.headers['cache-control'], 'no-store', 'anonymous JSON is left to the upstream');
});

t.test('security headers on proxied and own answers', async (t) => {
  for (const url of ['/auth/echo', '/healthz']) {
    const res = await gateway.inject({ method: 'GET', url });
    t.equal(res.headers['x-content-type-options'], 'nosniff', url);
    t.ok(res.headers['strict-transport-security'], url);
    t.equal(res.headers['x-powered-by'], undefined, url);
  }
});

t.test('probes: /healthz live, /readyz ready (Redis is not one of its checks)', async (t) => {
  const live = await gateway.inject({ method: 'GET', url: '/healthz' });
  t.equal(live.statusCode, 200);
  const ready = await gateway.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { status: 'ok' });
  t.notMatch(ready.json(), { checks: { redis: String } });
});
