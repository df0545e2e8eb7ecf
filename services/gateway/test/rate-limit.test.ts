import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTcpProxy, TEST_REDIS_URL } from '@mercato/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import { startGateway, startIdentityLike } from './helpers.ts';

const identity = await startIdentityLike(t);
const { app: gateway, auth } = await startGateway(t, {
  IDENTITY_URL: identity.url,
  RATE_LIMIT_IP_MAX: '3',
  RATE_LIMIT_USER_MAX: '5',
  RATE_LIMIT_WINDOW_MS: '60000',
});

const get = (opts: { ip: string; token?: string }) =>
  gateway.inject({
    method: 'GET',
    url: '/auth/echo',
    remoteAddress: opts.ip,
    headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
  });

t.test('per client IP: the request over the limit gets 429 problem+json with Retry-After', async (t) => {
  const before = identity.hits.echo ?? 0;
  for (let i = 1; i <= 3; i++) {
    const res = await get({ ip: '203.0.113.10' });
    t.equal(res.statusCode, 200, `request ${i}`);
    t.equal(res.headers['ratelimit-limit'], '3');
    t.equal(res.headers['ratelimit-remaining'], String(3 - i));
  }
  const limited = await get({ ip: '203.0.113.10' });
  t.equal(limited.statusCode, 429);
  t.match(limited.headers['content-type'], /application\/problem\+json/);
  t.match(limited.json(), { type: 'https://mercato.dev/problems/too-many-requests', status: 429 });
  const retryAfter = Number(limited.headers['retry-after']);
  t.ok(
    retryAfter >= 1 && retryAfter <= 60,
    `Retry-After ${limited.headers['retry-after']} within the window`,
  );
  t.equal(limited.headers['ratelimit-limit'], '3');
  t.equal(limited.headers['ratelimit-remaining'], '0');
  t.ok(Number(limited.headers['ratelimit-reset']) >= 1);
  t.equal(identity.hits.echo, before + 3, 'the limited request never reached the upstream');

  const other = await get({ ip: '203.0.113.11' });
  t.equal(other.statusCode, 200, 'another address has its own budget');
});

t.test('per user: a valid token is counted by its sub, whatever the address', async (t) => {
  const alice = await auth.sign({ sub: 'user-alice', role: 'customer' });
  const bob = await auth.sign({ sub: 'user-bob', role: 'customer' });
  for (let i = 1; i <= 5; i++) {
    // Five different addresses: the IP limit of 3 would have cut in if the IP were the key.
    const res = await get({ ip: `198.51.100.${i}`, token: alice });
    t.equal(res.statusCode, 200, `alice request ${i}`);
    t.equal(res.headers['ratelimit-limit'], '5');
    t.equal(res.json().authorization, `Bearer ${alice}`, 'the token is forwarded');
  }
  const limited = await get({ ip: '198.51.100.99', token: alice });
  t.equal(limited.statusCode, 429);
  t.ok(Number(limited.headers['retry-after']) >= 1);
  t.match(limited.json(), { status: 429 });

  t.equal((await get({ ip: '198.51.100.99', token: bob })).statusCode, 200, 'bob has his own budget');
  t.equal((await get({ ip: '198.51.100.99' })).statusCode, 200, 'anonymous from that address too');
});

t.test('an invalid or expired token is counted by IP', async (t) => {
  const expired = await auth.sign({ sub: 'user-carol', role: 'customer', expiresIn: '-1s' });
  const tokens = ['not-a-jwt', expired, 'garbage.garbage.garbage'];
  for (const token of tokens) {
    const res = await get({ ip: '192.0.2.50', token });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['ratelimit-limit'], '3', 'the IP limit applies');
  }
  t.equal((await get({ ip: '192.0.2.50', token: 'not-a-jwt' })).statusCode, 429);
});

t.test('probes and docs are never limited', async (t) => {
  for (let i = 0; i < 6; i++) {
    const res = await gateway.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.10' });
    t.equal(res.statusCode, 200);
  }
});

t.test('Redis unreachable: fail open by default, 503 when configured to fail closed', async (t) => {
  const [host, port] = new URL(TEST_REDIS_URL).host.split(':');
  const proxy = await startTcpProxy({ host: host ?? '127.0.0.1', port: Number(port ?? 6379) });
  t.teardown(() => proxy.close());
  const redisUrl = `redis://127.0.0.1:${proxy.port}`;

  const open = await startGateway(t, {
    IDENTITY_URL: identity.url,
    REDIS_URL: redisUrl,
    RATE_LIMIT_IP_MAX: '2',
  });
  const closed = await startGateway(t, {
    IDENTITY_URL: identity.url,
    REDIS_URL: redisUrl,
    RATE_LIMIT_IP_MAX: '2',
    RATE_LIMIT_FAIL_OPEN: 'false',
  });
  const call = (app: typeof gateway) =>
    app.inject({ method: 'GET', url: '/auth/echo', remoteAddress: '192.0.2.77' });

  t.equal((await call(closed.app)).statusCode, 200, 'limits work through the proxy');
  proxy.cut();
  for (let i = 0; i < 4; i++) t.equal((await call(open.app)).statusCode, 200, 'fail open: not limited');
  const refused = await call(closed.app);
  t.equal(refused.statusCode, 503);
  t.match(refused.headers['content-type'], /application\/problem\+json/);
  const ready = await open.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200, 'still ready: Redis is a cache, not a reason to leave rotation');
  t.notMatch(ready.json(), { checks: { redis: String } });
});

t.test('the counters live under the configured prefix', async (t) => {
  const redis = new Redis(TEST_REDIS_URL);
  t.teardown(() => redis.quit());
  const prefix = `${`rlprefix-${Date.now()}-${Math.random().toString(36).slice(2)}`}:`;
  const { app } = await startGateway(t, { IDENTITY_URL: identity.url, RATE_LIMIT_REDIS_PREFIX: prefix });
  await app.inject({ method: 'GET', url: '/auth/echo', remoteAddress: '192.0.2.200' });
  const keys = await redis.keys(`${prefix}*`);
  t.same(keys, [`${prefix}ip:192.0.2.200`]);
  await redis.del(...keys);
});

t.test('TRUST_PROXY: behind an ingress, anonymous clients are told apart by X-Forwarded-For', async (t) => {
  const { app } = await startGateway(t, {
    IDENTITY_URL: identity.url,
    RATE_LIMIT_IP_MAX: '1',
    TRUST_PROXY: 'true',
  });
  const call = (client: string) =>
    app.inject({
      method: 'GET',
      url: '/auth/echo',
      remoteAddress: '10.0.0.2',
      headers: { 'x-forwarded-for': `${client}, 10.0.0.1` },
    });
  t.equal((await call('203.0.113.1')).statusCode, 200);
  t.equal((await call('203.0.113.2')).statusCode, 200, 'a second client through the same ingress');
  t.equal((await call('203.0.113.1')).statusCode, 429);
});

t.test(
  'TRUSTED_PROXIES: the storefront names each visitor; anyone else’s X-Forwarded-For is ignored',
  async (t) => {
    const { app } = await startGateway(t, {
      IDENTITY_URL: identity.url,
      RATE_LIMIT_IP_MAX: '1',
      TRUSTED_PROXIES: '10.1.0.0/16',
    });
    const call = (peer: string, forwardedFor: string) =>
      app.inject({
        method: 'GET',
        url: '/auth/echo',
        remoteAddress: peer,
        headers: { 'x-forwarded-for': forwardedFor },
      });
    const web = '10.1.2.3';
    const first = await call(web, '203.0.113.21');
    t.equal(first.statusCode, 200);
    t.equal(
      first.json().forwardedFor,
      '203.0.113.21',
      'the services are told the visitor, not the storefront',
    );
    t.equal((await call(web, '203.0.113.22')).statusCode, 200, 'another visitor through the same storefront');
    t.equal((await call('10.1.7.7', '203.0.113.23')).statusCode, 200, 'and one through another replica');
    t.equal((await call(web, '203.0.113.21')).statusCode, 429, "the first visitor's own budget is spent");

    // A client on the internet cannot pick the address it is counted under.
    const forged = await call('192.0.2.60', '203.0.113.30');
    t.equal(forged.statusCode, 200);
    t.equal(forged.json().forwardedFor, '192.0.2.60', 'its claim is not passed on');
    t.equal((await call('192.0.2.60', '203.0.113.31')).statusCode, 429, 'it is counted by its own address');
    t.equal((await call(web, '203.0.113.30')).statusCode, 200, 'the visitor it named still has a budget');
  },
);

t.test(
  "the carrier's signed webhooks are not counted against its address; other requests still are",
  async (t) => {
    // shipping as the gateway sees it: any answer will do (shipping checks the signature itself)
    const shipping = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"accepted":true}');
    });
    await new Promise<void>((resolve) => shipping.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => shipping.close(() => resolve())));
    const { app } = await startGateway(t, {
      IDENTITY_URL: identity.url,
      SHIPPING_URL: `http://127.0.0.1:${(shipping.address() as AddressInfo).port}`,
      RATE_LIMIT_IP_MAX: '1',
    });
    const carrier = '198.18.0.7';
    for (let i = 1; i <= 3; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/shippings/webhooks/carrier',
        remoteAddress: carrier,
        headers: { 'content-type': 'application/json', 'carrier-signature': 't=1,v1=00' },
        payload: { eventId: `e${i}` },
      });
      t.equal(res.statusCode, 200, `webhook ${i} reaches shipping`);
    }
    const other = (url: string) => app.inject({ method: 'GET', url, remoteAddress: carrier });
    t.equal((await other('/auth/echo')).statusCode, 200, 'the address still has its budget of 1');
    t.equal((await other('/auth/echo')).statusCode, 429, 'and anything else it sends is counted');
    t.equal((await other('/shippings/webhooks/carrier')).statusCode, 429, 'a GET of that path too');
  },
);
