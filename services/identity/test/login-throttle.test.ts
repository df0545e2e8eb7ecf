import { eventually } from '@mercato/testing';
import t from 'tap';
import { GOOD_PASSWORD, isProblem, startIdentity } from './helpers.ts';

t.test('repeated failed logins slow down, then lock, per account and per client IP', async (t) => {
  const s = await startIdentity(t, {
    LOGIN_SLOWDOWN_AFTER: '2',
    LOGIN_LOCK_AFTER: '4',
    LOGIN_IP_FACTOR: '3',
    LOGIN_SLOWDOWN_BASE_MS: '300',
    LOGIN_LOCK_SECONDS: '600',
  });
  // Redis counters outlive a run: every address is fresh so that reruns and parallel files never meet.
  const randomIp = () =>
    `10.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const attempt = (email: string, password: string, remoteAddress?: string) =>
    s.inject({ method: 'POST', url: '/auth/login', body: { email, password }, remoteAddress });

  t.test('per account', async (t) => {
    const user = await s.register();
    // Each attempt from its own address: only the account counter is in play.
    const ip = randomIp;
    t.ok(isProblem(await attempt(user.email, 'Wrong-password-1', ip()), 401));
    t.ok(isProblem(await attempt(user.email, 'Wrong-password-1', ip()), 401));
    const slowed = await attempt(user.email, user.password, ip());
    t.ok(isProblem(slowed, 429), 'after 2 failures the next attempt must wait, even with the right password');
    t.ok(Number(slowed.headers['retry-after']) >= 1, 'Retry-After says how long');
    t.match(slowed.json().detail, /wait/);

    // The wait is short: once over, failures count again until the lock.
    await eventually(async () => {
      const res = await attempt(user.email, 'Wrong-password-1', ip());
      if (res.statusCode !== 401) throw new Error(`still ${res.statusCode}`);
    });
    await eventually(async () => {
      const res = await attempt(user.email, 'Wrong-password-1', ip());
      if (res.statusCode !== 401) throw new Error(`still ${res.statusCode}`);
    });
    const locked = await attempt(user.email, user.password, ip());
    t.ok(isProblem(locked, 429), 'locked after 4 failures');
    t.match(locked.json().detail, /locked/);
    t.ok(Number(locked.headers['retry-after']) > 500, 'for the lock period');

    const other = await s.register();
    await s.login(other.email, other.password);
    t.pass('another account is not affected');
  });

  t.test('per client IP, across accounts', async (t) => {
    const ip = randomIp();
    // IP thresholds are 3× the account's: slowdown after 6, lock after 12 failures.
    for (let i = 0; i < 6; i++) {
      const res = await attempt(`nobody${i}-${Date.now()}@example.com`, 'Wrong-password-1', ip);
      t.ok(isProblem(res, 401), `failure ${i + 1} from the IP`);
    }
    const user = await s.register({ password: GOOD_PASSWORD });
    const slowed = await attempt(user.email, GOOD_PASSWORD, ip);
    t.ok(isProblem(slowed, 429), 'a fresh account from that IP has to wait too');
    t.ok(Number(slowed.headers['retry-after']) >= 1);
    const elsewhere = await attempt(user.email, GOOD_PASSWORD, randomIp());
    t.equal(elsewhere.statusCode, 200, 'the same account from another IP is fine');
  });

  t.test('a successful login resets the account counter', async (t) => {
    const user = await s.register();
    const ip = randomIp();
    t.ok(isProblem(await attempt(user.email, 'Wrong-password-1', ip), 401));
    t.equal((await attempt(user.email, user.password, ip)).statusCode, 200);
    t.ok(isProblem(await attempt(user.email, 'Wrong-password-1', ip), 401));
    t.equal((await attempt(user.email, user.password, ip)).statusCode, 200, 'one failure again, not two');
  });
});

t.test('behind the gateway, the per-IP counter follows X-Forwarded-For', async (t) => {
  const s = await startIdentity(t, {
    TRUSTED_PROXY_HOPS: '1',
    LOGIN_SLOWDOWN_AFTER: '1',
    LOGIN_IP_FACTOR: '2',
  });
  const gateway = '10.250.0.1';
  const client = `172.16.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const attempt = (email: string, forwardedFor: string) =>
    s.inject({
      method: 'POST',
      url: '/auth/login',
      body: { email, password: 'Wrong-password-1' },
      remoteAddress: gateway,
      headers: { 'x-forwarded-for': forwardedFor },
    });
  t.ok(isProblem(await attempt(`a-${Date.now()}@example.com`, client), 401));
  t.ok(isProblem(await attempt(`b-${Date.now()}@example.com`, client), 401));
  t.ok(isProblem(await attempt(`c-${Date.now()}@example.com`, client), 429), 'that client is slowed down');
  const neighbour = `172.17.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  t.ok(
    isProblem(await attempt(`d-${Date.now()}@example.com`, neighbour), 401),
    'another client through the same gateway is not',
  );
});
