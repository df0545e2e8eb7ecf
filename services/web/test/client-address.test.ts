// Anonymous visitors keep their own rate limit: the storefront calls the API through the real gateway
// naming the visitor (X-Forwarded-For), and the gateway believes that only from the storefront's
// address (its TRUSTED_PROXIES). Without it, every guest behind one web replica would share one budget.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@mercato/kit';
import { TEST_REDIS_URL, testAuth, uniqueName } from '@mercato/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import { buildApp as buildGateway } from '../../gateway/src/app.ts';
import { gatewayConfigSchema } from '../../gateway/src/config.ts';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

// catalog as the gateway sees it: a search that finds nothing, and which address it was told about
const told: string[] = [];
const catalog = createServer((req, res) => {
  told.push(String(req.headers['x-forwarded-for']));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ items: [], page: 1, pageSize: 24, total: 0 }));
});
await new Promise<void>((resolve) => catalog.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => catalog.close(() => resolve())));

const limiterPrefix = `${uniqueName('webxff')}:rl:`;
const gateway = await buildGateway(
  loadConfig(gatewayConfigSchema, {
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://127.0.0.1:1/unused',
    CATALOG_URL: `http://127.0.0.1:${(catalog.address() as AddressInfo).port}`,
    RATE_LIMIT_IP_MAX: '2',
    RATE_LIMIT_REDIS_PREFIX: limiterPrefix,
    // The storefront calls from this machine.
    TRUSTED_PROXIES: 'loopback',
  }),
  { jwks: (await testAuth()).jwks },
);
const gatewayUrl = await gateway.listen({ port: 0, host: '127.0.0.1' });

const sessionPrefix = `${uniqueName('webxff')}:sess:`;
const web = await buildApp(
  loadConfig(configSchema, {
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    API_URL: gatewayUrl,
    SESSION_REDIS_PREFIX: sessionPrefix,
    SESSION_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
  }),
);
t.teardown(async () => {
  await web.close();
  await gateway.close();
  const redis = new Redis(TEST_REDIS_URL);
  for (const p of [limiterPrefix, sessionPrefix]) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

/** A search page for a visitor, as the gateway hands the storefront the request (from loopback). */
const search = (visitor: string, peer = '127.0.0.1') =>
  web.inject({
    method: 'GET',
    url: '/search?q=hobbit',
    remoteAddress: peer,
    headers: { 'x-forwarded-for': visitor },
  });

t.test('two guests through the storefront have a rate-limit budget each', async (t) => {
  for (let i = 1; i <= 2; i++) t.equal((await search('203.0.113.41')).statusCode, 200, `guest A, page ${i}`);
  const limited = await search('203.0.113.41');
  t.equal(limited.statusCode, 429, "guest A's budget of 2 is spent");
  t.match(limited.body, 'Too many requests');
  t.equal((await search('203.0.113.42')).statusCode, 200, 'guest B is not limited by guest A');
  t.equal(told.at(-1), '203.0.113.42', 'and catalog is told the guest, not the storefront');
});

t.test('a forged X-Forwarded-For is ignored, at the storefront and at the gateway', async (t) => {
  // Straight at the gateway from the internet, naming guest C.
  const forged = () =>
    gateway.inject({
      method: 'GET',
      url: '/products/search?q=x',
      remoteAddress: '198.51.100.60',
      headers: { 'x-forwarded-for': '203.0.113.43' },
    });
  t.equal((await forged()).statusCode, 200);
  t.equal(told.at(-1), '198.51.100.60', 'counted and passed on as the sender itself');
  t.equal((await forged()).statusCode, 200);
  t.equal((await forged()).statusCode, 429, "the sender's own budget is spent");
  t.equal((await search('203.0.113.43')).statusCode, 200, 'guest C, whom it named, still has a budget');

  // At the storefront from an address it does not trust, naming guest A (whose budget is spent).
  const direct = await search('203.0.113.41', '198.51.100.61');
  t.equal(direct.statusCode, 200, "not guest A's budget: its own");
  t.equal(told.at(-1), '198.51.100.61');
});
