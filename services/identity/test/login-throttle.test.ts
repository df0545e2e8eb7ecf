import { eventually } from '@mercato/testing';
import t from 'tap';
import { GOOD_PASSWORD, isProblem, startIdentity } from './helpers.ts';

t.test('failed logins slow down, then lock, per (account, client) and per client', async (t) => {
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

  t.test('a stranger hammering an account throttles only themselves', async (t) => {
    const user = await s.register();
    const stranger = randomIp();
    const owner = randomIp();
    t.ok(isProblem(await attempt(user.email, 'Wrong-password-1', stranger), 401));
    t.ok(isProblem(await attempt(user.email, 'Wrong-password-1', stranger), 401));
    const slowed = await attempt(user.email, user.password, stranger);
    t.ok(isProblem(slowed, 429), 'after 2 failures the stranger must wait, even with the right password');
    t.ok(Number(slowed.headers['retry-after']) >= 1, 'Retry-After says how long');
    t.match(slowed.json(), { type: 'https://mercato.dev/problems/too-many-requests', detail: /wait/ });
    t.equal((await attempt(user.email, user.password, owner)).statusCode, 200, 'the owner logs in meanwhile');

    // The wait is short: once over, the stranger's failures count again until the lock.
    for (let i = 0; i < 2; i++) {
      await eventually(async () => {
        const res = await attempt(user.email, 'Wrong-password-1', stranger);
        if (res.statusCode !== 401) throw new Error(`still ${res.statusCode}`);
      });
    }
    const locked = await attempt(user.email, user.password, stranger);
    t.ok(isProblem(locked, 429), 'the stranger is locked out after 4 failures');
    t.match(locked.json().detail, /locked/);
    t.ok(Number(locked.headers['retry-after']) > 500, 'for the lock period');

    t.equal((await attempt(user.email, user.password, owner)).statusCode, 200, 'the owner still logs in');
    t.equal(
      (await attempt(user.email, user.password, randomIp())).statusCode,
      200,
      'and so does the owner from a new address',
    );
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

t.test('X-Forwarded-For names the client only when the gateway (a trusted proxy) sent it', async (t) => {
  const s = await startIdentity(t, {
    TRUST_PROXY: '10.250.0.1',
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

  // From anyone else the header is a claim: the peer is the client, whatever it says.
  const untrusted = `192.0.2.${1 + Math.floor(Math.random() * 250)}`;
  const claim = (email: string, forwardedFor: string) =>
    s.inject({
      method: 'POST',
      url: '/auth/login',
      body: { email, password: 'Wrong-password-1' },
      remoteAddress: untrusted,
      headers: { 'x-forwarded-for': forwardedFor },
    });
  t.ok(isProblem(await claim(`e-${Date.now()}@example.com`, '198.51.100.1'), 401));
  t.ok(isProblem(await claim(`f-${Date.now()}@example.com`, '198.51.100.2'), 401));
  t.ok(
    isProblem(await claim(`g-${Date.now()}@example.com`, '198.51.100.3'), 429),
    'a new X-Forwarded-For per attempt does not make a new client',
  );
});
