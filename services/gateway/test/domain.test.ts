import t from 'tap';
import { clientAddress, TrustedProxies } from '../src/domain/client-address.ts';
import { mergeOpenApi } from '../src/domain/openapi.ts';
import { configuredUpstreams, corsAllowList, rateLimitKey } from '../src/domain/routes.ts';
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

t.test('CORS origins setting: exact origins only', async (t) => {
  t.same(corsAllowList(''), []);
  t.same(corsAllowList('https://a.example, http://localhost:3000,'), [
    'https://a.example',
    'http://localhost:3000',
  ]);
  t.throws(() => corsAllowList(' * '), /CORS_ORIGINS must list exact origins/, 'no wildcard');
  t.throws(() => corsAllowList('https://a.example,null'), /not 'null'/, 'no opaque origin');
  t.throws(() => corsAllowList('https://a.example/'), /not an origin/, 'no trailing slash');
  t.throws(() => corsAllowList('a.example'), /not an origin/, 'no bare host');
});

t.test('client address: the peer, unless a trusted ingress named the client', async (t) => {
  t.equal(clientAddress('198.51.100.7', '203.0.113.9', false), '198.51.100.7', 'a claim is ignored');
  t.equal(clientAddress('10.0.0.2', '203.0.113.9, 10.0.0.1', true), '203.0.113.9');
  t.equal(clientAddress('10.0.0.2', undefined, true), '10.0.0.2');
});

t.test('client address from a trusted proxy: the nearest hop that is not one', async (t) => {
  const web = new TrustedProxies('10.1.0.0/16, loopback');
  t.ok(web.has('10.1.2.3') && web.has('127.0.0.1') && web.has('::1') && web.has('::ffff:127.0.0.1'));
  t.notOk(web.has('10.2.0.1') || web.has('203.0.113.9') || web.has('not-an-address'));
  t.equal(clientAddress('10.1.2.3', '203.0.113.9', false, web), '203.0.113.9', 'the visitor web names');
  t.equal(
    clientAddress('10.1.2.3', '198.51.100.1, 203.0.113.9, 10.1.9.9', false, web),
    '203.0.113.9',
    'what the nearest untrusted hop claimed before it is not believed',
  );
  t.equal(
    clientAddress('10.1.2.3', ['203.0.113.9', '10.1.9.9'], false, web),
    '203.0.113.9',
    'headers repeated',
  );
  t.equal(clientAddress('10.1.2.3', 'garbage, 10.1.9.9', false, web), '10.1.9.9', 'garbage ends the walk');
  t.equal(clientAddress('10.1.2.3', undefined, false, web), '10.1.2.3', 'no header: the peer');
  t.equal(
    clientAddress('198.51.100.7', '203.0.113.9', false, web),
    '198.51.100.7',
    "anyone else's claim is ignored",
  );
  t.equal(clientAddress('198.51.100.7', '203.0.113.9', false, new TrustedProxies('')), '198.51.100.7');
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.1/x', 'everyone'])
    t.throws(() => new TrustedProxies(bad), /TRUSTED_PROXIES/, bad);
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
  const login = merged.paths?.['/auth/login'] as Record<
    string,
    { responses: Record<string, { headers: object }> }
  >;
  t.same(Object.keys(login), ['post'], 'a path not routed to catalog is not taken from it');
  // What the gateway adds to every operation: its rate limit (429, Retry-After, RateLimit-*) and servers.
  t.match(login.post.responses['429'], { headers: { 'Retry-After': { required: true } } });
  t.same(merged.servers, [
    {
      url: '/',
      description: (merged.servers as { description: string }[])[0]?.description,
      'x-internal': false,
    },
  ]);
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
