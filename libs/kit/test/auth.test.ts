import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import t from 'tap';
import { TEST_REDIS_URL, testAuth, uniqueName } from '../../testing/src/index.ts';
import { type App, createService } from '../src/index.ts';

const P = 'https://mercato.dev/problems/';
type Teardown = { teardown(fn: () => unknown): void };

function routes(app: App) {
  app.get('/me', { preHandler: app.authenticate }, async (request) => request.user);
  app.get('/admin', { preHandler: app.requireRole('admin') }, async (request) => ({
    admin: request.user.sub,
  }));
}

async function build(t: Teardown, auth: Parameters<typeof createService>[0]['auth']) {
  const app = await createService({ name: 'auth-test', logLevel: 'silent', auth });
  routes(app);
  await app.ready();
  t.teardown(() => app.close());
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

t.test('a valid token passes and becomes request.user', async (t) => {
  const keys = await testAuth();
  const app = await build(t, { jwks: keys.jwks });
  const token = await keys.sign({ sub: 'user-1', role: 'customer', jti: 'jti-1' });
  const res = await app.inject({ url: '/me', headers: bearer(token) });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { sub: 'user-1', role: 'customer', jti: 'jti-1' });
  const admin = await app.inject({
    url: '/admin',
    headers: bearer(await keys.sign({ sub: 'a', role: 'admin' })),
  });
  t.equal(admin.statusCode, 200);
  t.same(admin.json(), { admin: 'a' });
});

t.test('missing, malformed, expired, tampered and foreign tokens → 401 problem', async (t) => {
  const keys = await testAuth();
  const app = await build(t, { jwks: keys.jwks });
  const good = await keys.sign({ sub: 'user-1', role: 'customer' });
  const [h, p, s] = good.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
  const other = await testAuth(); // same kid scheme, a different private key
  const otherWithSameKid = await (async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    return new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'EdDSA', kid: keys.kid })
      .setSubject('user-1')
      .setJti('x')
      .setIssuer('mercato-identity')
      .setExpirationTime('5m')
      .sign(privateKey);
  })();
  const wrongIssuer = await (async () => {
    // Right key, but not identity's issuer: only identity's access tokens are accepted.
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k2', alg: 'EdDSA' };
    const token = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k2' })
      .setSubject('u')
      .setJti('j')
      .setIssuer('someone-else')
      .setExpirationTime('5m')
      .sign(privateKey);
    return { jwk, token };
  })();
  const app2 = await build(t, { jwks: { keys: [...keys.jwks.keys, wrongIssuer.jwk] } });

  const cases: [string, Record<string, string>, App?][] = [
    ['no header', {}],
    ['not a bearer', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['garbage', bearer('not.a.jwt')],
    ['expired', bearer(await keys.sign({ sub: 'user-1', role: 'customer', expiresIn: '-1s' }))],
    ['tampered payload', bearer(`${h}.${promoted}.${s}`)],
    ['unknown kid', bearer(await other.sign({ sub: 'user-1', role: 'customer' }))],
    ['known kid, wrong key', bearer(otherWithSameKid)],
    ['wrong issuer', bearer(wrongIssuer.token), app2],
  ];
  for (const [name, headers, target] of cases) {
    const res = await (target ?? app).inject({ url: '/me', headers });
    t.equal(res.statusCode, 401, name);
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${name}: problem+json`);
    t.match(res.json(), { type: `${P}unauthorized`, status: 401, instance: '/me' }, `${name}: body`);
  }
  t.match(
    (await app.inject({ url: '/me', headers: cases[3]![1] })).json().detail,
    /expired/i,
    'says the token expired',
  );
});

t.test('a customer on an admin route → 403 problem', async (t) => {
  const keys = await testAuth();
  const app = await build(t, { jwks: keys.jwks });
  const res = await app.inject({
    url: '/admin',
    headers: bearer(await keys.sign({ sub: 'user-1', role: 'customer' })),
  });
  t.equal(res.statusCode, 403);
  t.match(res.json(), { type: `${P}forbidden`, status: 403 });
  t.equal((await app.inject({ url: '/admin' })).statusCode, 401, 'no token is 401, not 403');
});

t.test('a denied jti in Redis → 401; other tokens still pass', async (t) => {
  const keys = await testAuth();
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const jti = uniqueName('jti');
  t.teardown(async () => {
    await redis.del(`auth:denied:${jti}`);
    await redis.quit();
  });
  const app = await build(t, { jwks: keys.jwks, redis });
  const token = await keys.sign({ sub: 'user-1', role: 'customer', jti });
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200, 'before logout');
  await redis.set(`auth:denied:${jti}`, '1', 'EX', 60);
  const res = await app.inject({ url: '/me', headers: bearer(token) });
  t.equal(res.statusCode, 401, 'after logout');
  t.match(res.json(), { type: `${P}unauthorized`, detail: /revoked/ });
  const other = await keys.sign({ sub: 'user-1', role: 'customer' });
  t.equal((await app.inject({ url: '/me', headers: bearer(other) })).statusCode, 200, 'another token');
});

t.test('a token that passed once (verifications are cached) is still refused once it expires', async (t) => {
  const keys = await testAuth();
  const app = await build(t, { jwks: keys.jwks });
  const token = await keys.sign({ sub: 'user-1', role: 'customer', expiresIn: '2s' });
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200, 'while valid');
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 200, 'again (cached)');
  await new Promise((r) => setTimeout(r, 2_100));
  const res = await app.inject({ url: '/me', headers: bearer(token) });
  t.equal(res.statusCode, 401, 'after its exp');
  t.match(res.json(), { type: `${P}unauthorized`, detail: /expired/i });
});

t.test('Redis down → the deny-list check is skipped with a warning', async (t) => {
  const keys = await testAuth();
  const redis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  t.teardown(() => redis.disconnect());
  const app = await build(t, { jwks: keys.jwks, redis });
  const started = Date.now();
  const res = await app.inject({
    url: '/me',
    headers: bearer(await keys.sign({ sub: 'u', role: 'customer' })),
  });
  t.equal(res.statusCode, 200);
  t.ok(Date.now() - started < 1000, 'does not wait for Redis');
});

t.test('jwksUrl: fetched once, cached, refetched for an unknown kid', async (t) => {
  let keys = await testAuth();
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/auth/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keys.jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  const app = await build(t, { jwksUrl: `http://127.0.0.1:${port}/auth/.well-known/jwks.json` });

  for (let i = 0; i < 3; i++) {
    const res = await app.inject({
      url: '/me',
      headers: bearer(await keys.sign({ sub: `u${i}`, role: 'customer' })),
    });
    t.equal(res.statusCode, 200, `request ${i}`);
  }
  t.equal(fetches, 1, 'the key set is cached');

  // identity rotates its key: the new kid is unknown to the cache, so the set is fetched again.
  keys = await testAuth();
  await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the refetch cooldown
  const rotated = await app.inject({
    url: '/me',
    headers: bearer(await keys.sign({ sub: 'u', role: 'customer' })),
  });
  t.equal(rotated.statusCode, 200, 'a token with the new kid passes');
  t.equal(fetches, 2, 'refetched once for the new kid');
});

t.test('jwksUrl unreachable → 503 problem, not a 500', async (t) => {
  const keys = await testAuth();
  const app = await build(t, { jwksUrl: 'http://127.0.0.1:1/auth/.well-known/jwks.json' });
  const res = await app.inject({
    url: '/me',
    headers: bearer(await keys.sign({ sub: 'u', role: 'customer' })),
  });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { type: `${P}service-unavailable` });
});

t.test('without auth options, protected routes fail loudly (500), never pass', async (t) => {
  const app = await createService({ name: 'no-auth', logLevel: 'silent' });
  routes(app);
  t.teardown(() => app.close());
  t.equal((await app.inject({ url: '/me' })).statusCode, 500);
});
