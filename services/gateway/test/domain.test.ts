import t from 'tap';
import { mergeOpenApi } from '../src/domain/openapi.ts';
import { configuredUpstreams, corsOrigins, rateLimitKey } from '../src/domain/routes.ts';
import { VerifiedTokenCache } from '../src/domain/token-cache.ts';
import { gatewayConfig } from './helpers.ts';

t.test('only configured upstreams are routed, with their prefixes', async (t) => {
  const upstreams = configuredUpstreams(
    gatewayConfig({ IDENTITY_URL: 'http://identity:3001/', SHIPPING_URL: 'http://shipping:3009' }),
  );
  t.same(upstreams, [
    { service: 'identity', url: 'http://identity:3001', prefixes: ['/auth', '/users', '/addresses'] },
    { service: 'shipping', url: 'http://shipping:3009', prefixes: ['/shippings'] },
  ]);
  t.same(configuredUpstreams(gatewayConfig({})), []);
});

t.test('CORS origins setting', async (t) => {
  t.equal(corsOrigins(''), false);
  t.equal(corsOrigins(' * '), true);
  t.same(corsOrigins('https://a.example, https://b.example,'), ['https://a.example', 'https://b.example']);
});

t.test('rate limit key: the user when proven, else the address', async (t) => {
  t.equal(rateLimitKey({ sub: 'u1', ip: '10.0.0.1' }), 'user:u1');
  t.equal(rateLimitKey({ ip: '10.0.0.1' }), 'ip:10.0.0.1');
});

t.test('merging keeps routed paths only, first schema of a name wins, notes skipped ones', async (t) => {
  const merged = mergeOpenApi(
    [
      {
        service: 'identity',
        prefixes: ['/auth', '/users'],
        document: {
          paths: {
            '/auth/login': { post: {} },
            '/users': { get: {} },
            '/healthz': { get: {} },
            '/authx': {},
          },
          components: { schemas: { User: { type: 'object' }, Shared: { title: 'from identity' } } },
          tags: [{ name: 'auth' }],
        },
      },
      {
        service: 'catalog',
        prefixes: ['/products'],
        document: {
          paths: { '/products/{id}': { get: {} }, '/auth/login': { get: {} } },
          components: { schemas: { Shared: { title: 'from catalog' } } },
          tags: [{ name: 'auth' }, { name: 'products' }],
        },
      },
    ],
    [{ service: 'orders', reason: 'timed out' }],
  );
  t.same(Object.keys(merged.paths ?? {}), ['/auth/login', '/products/{id}', '/users']);
  t.same(merged.paths?.['/auth/login'], { post: {} }, 'a path not routed to catalog is not taken from it');
  t.same(merged.components?.schemas, { User: { type: 'object' }, Shared: { title: 'from identity' } });
  t.same(
    merged.tags?.map((tag) => tag.name),
    ['auth', 'products'],
  );
  t.same(merged['x-mercato-skipped'], [{ service: 'orders', reason: 'timed out' }]);
  t.match(merged.info?.description, /orders \(timed out\)/);
});

t.test('verified tokens are remembered until their exp, and the cache stays bounded', async (t) => {
  const token = (exp: number, n = 0) =>
    `h.${Buffer.from(JSON.stringify({ sub: `s${n}`, exp })).toString('base64url')}.sig${n}`;
  const now = 1_800_000_000_000;
  const cache = new VerifiedTokenCache(2);
  const live = token(now / 1000 + 60);
  cache.remember(live, 'alice');
  t.equal(cache.get(live, now), 'alice');
  t.equal(cache.get(live, now + 61_000), undefined, 'gone once expired');
  t.equal(cache.get('never-seen', now), undefined);

  cache.remember('no-payload', 'x');
  t.equal(cache.get('no-payload', now), undefined, 'a token without exp is not remembered');

  const [a, b, c] = [1, 2, 3].map((n) => token(now / 1000 + 60, n)) as [string, string, string];
  cache.remember(a, 'a');
  cache.remember(b, 'b');
  cache.remember(c, 'c');
  t.equal(cache.get(a, now), undefined, 'the oldest made room');
  t.equal(cache.get(b, now), 'b');
  t.equal(cache.get(c, now), 'c');
});
