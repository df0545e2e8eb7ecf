// Redis is an accelerator: without it logins still work (unthrottled, logged). A logout still stands:
// the revocation is committed in the database, the deny-list's source of truth, and copied into Redis
// when Redis is back — also after a restart that emptied it.
import { eventually, startTcpProxy, TEST_REDIS_URL } from '@mercato/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import { isProblem, startIdentity } from './helpers.ts';

t.test('when Redis is unreachable', async (t) => {
  const target = new URL(TEST_REDIS_URL);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  t.teardown(() => proxy.close());
  const redis = new Redis({
    host: '127.0.0.1',
    port: proxy.port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 100,
  });
  redis.on('error', () => {}); // expected while the proxy is cut
  t.teardown(() => redis.disconnect());
  await eventually(async () => {
    if (redis.status !== 'ready') throw new Error(redis.status);
  });
  const s = await startIdentity(t, {}, { redis });
  const c = await s.customer();

  proxy.cut();
  await eventually(async () => {
    if (redis.status === 'ready') throw new Error('still connected');
  });
  const login = await s.inject({
    method: 'POST',
    url: '/auth/login',
    body: { email: c.email, password: c.password },
  });
  t.equal(login.statusCode, 200, 'login still works');
  const me = await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken });
  t.equal(me.statusCode, 200, 'authenticated reads still work');
  const ready = await s.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200, 'still ready: Redis is not a reason to leave rotation');
  const logout = await s.inject({ method: 'POST', url: '/auth/logout', token: c.accessToken });
  t.equal(logout.statusCode, 204, 'logout is recorded in the database');
  t.ok(
    isProblem(
      await s.inject({ method: 'POST', url: '/auth/refresh', body: { refreshToken: c.refreshToken } }),
      401,
    ),
    'its refresh family is revoked at once',
  );

  // Redis comes back empty, as a restart without persistence leaves it: this test's own keys are
  // deleted behind identity's back (never a FLUSHALL of the shared Redis).
  const jtiOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti;
  const direct = new Redis(TEST_REDIS_URL);
  t.teardown(() => direct.disconnect());
  await direct.del(`auth:denied:${jtiOf(c.accessToken)}`);
  await proxy.restore();
  await eventually(async () => {
    if (redis.status !== 'ready') throw new Error(redis.status);
  });
  await eventually(async () => {
    if ((await direct.exists(`auth:denied:${jtiOf(c.accessToken)}`)) !== 1) throw new Error('not yet');
  });
  t.pass('the reconnect copied the revocation back into Redis');
  t.ok(
    isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken }), 401),
    'the logged-out token stays logged out',
  );
  const again = await s.inject({ method: 'POST', url: '/auth/logout', token: login.json().accessToken });
  t.equal(again.statusCode, 204, 'back to normal once Redis is');
  t.ok(isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: login.json().accessToken }), 401));
});

t.test('a deny-list emptied without a reconnect is refilled by the periodic copy', async (t) => {
  const s = await startIdentity(t, { DENY_LIST_RESYNC_SECONDS: '1' });
  const c = await s.customer();
  t.equal((await s.inject({ method: 'POST', url: '/auth/logout', token: c.accessToken })).statusCode, 204);
  const jti = JSON.parse(Buffer.from(c.accessToken.split('.')[1]!, 'base64url').toString()).jti;
  t.equal(await s.app.redis.exists(`auth:denied:${jti}`), 1);
  await s.app.redis.del(`auth:denied:${jti}`);
  t.equal(
    (await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken })).statusCode,
    200,
    'while the copy is gone the token passes (Redis is all other services check)',
  );
  await eventually(async () => {
    const ttl = await s.app.redis.ttl(`auth:denied:${jti}`);
    if (!(ttl > 0 && ttl <= 900)) throw new Error(`ttl ${ttl}`);
  });
  t.ok(
    isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken }), 401),
    'refused again once the copy is back, with the token’s remaining life as TTL',
  );
});
