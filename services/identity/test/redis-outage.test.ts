// Redis is an accelerator: without it logins still work (unthrottled, logged), while a logout, which
// must deny its access token everywhere, says it cannot be done rather than pretending.
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
  const logout = await s.inject({ method: 'POST', url: '/auth/logout', token: c.accessToken });
  t.ok(isProblem(logout, 503), 'logout cannot deny the token: 503, not a silent success');
  t.equal(
    (await s.inject({ method: 'POST', url: '/auth/refresh', body: { refreshToken: c.refreshToken } }))
      .statusCode,
    200,
    'and the failed logout revoked nothing',
  );

  await proxy.restore();
  await eventually(async () => {
    if (redis.status !== 'ready') throw new Error(redis.status);
  });
  const again = await s.inject({ method: 'POST', url: '/auth/logout', token: login.json().accessToken });
  t.equal(again.statusCode, 204, 'back to normal once Redis is');
  t.ok(isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: login.json().accessToken }), 401));
});
