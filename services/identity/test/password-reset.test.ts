import { eventually } from '@mercato/testing';
import { decodeJwt } from 'jose';
import t from 'tap';
import { requestPasswordReset } from '../src/use-cases/request-password-reset.ts';
import { isProblem, startIdentity } from './helpers.ts';

// The request only queues the address and wakes the worker, which makes the token (it also polls
// every PASSWORD_RESET_POLL_MS).
const FAST = { PASSWORD_RESET_POLL_MS: '20' };

t.test('password reset', async (t) => {
  const s = await startIdentity(t, FAST);
  const resetEvents = async (userId: string) =>
    (await s.outboxEvents('user.password_reset_requested')).filter((e) => e.data.userId === userId);
  /** The newest token of the user, once the worker has made `count` of them. */
  const tokenFor = async (userId: string, count = 1) =>
    eventually(async () => {
      const mine = await resetEvents(userId);
      if (mine.length < count) throw new Error(`${mine.length} reset events so far`);
      return mine.at(-1)!.data as { token: string; email: string; expiresAt: string };
    });
  const queueDrained = () =>
    eventually(async () => {
      const [row] = await s.sql<{ n: number }>('select count(*)::int as n from password_reset_request');
      if (row!.n > 0) throw new Error('requests still queued');
    });

  t.test('always 202; only a registered address gets a token, delivered by the event', async (t) => {
    const c = await s.customer();
    const before = await s.counts();
    const unknown = await s.inject({
      method: 'POST',
      url: '/auth/password-reset',
      body: { email: 'nobody-at-all@example.com' },
    });
    t.equal(unknown.statusCode, 202, 'an unknown address looks the same');
    await queueDrained();
    t.same(await s.counts(), before, 'and, once the worker has been, leaves no trace');

    const known = await s.inject({ method: 'POST', url: '/auth/password-reset', body: { email: c.email } });
    t.equal(known.statusCode, 202);
    t.same(known.json(), unknown.json(), 'same body: no enumeration');
    const event = await tokenFor(c.id);
    t.ok(event, 'user.password_reset_requested is in the outbox, made by the worker');
    t.equal(event!.email, c.email, 'the event is all an e-mail needs: address, token, expiry');
    t.ok(Date.parse(event!.expiresAt) > Date.now());
    const [row] = await s.sql<{ token_hash: string }>(
      'select token_hash from password_reset where user_id = ?',
      [c.id],
    );
    t.not(row!.token_hash, event!.token, 'the token is stored hashed');
    t.notMatch(row!.token_hash, event!.token);
  });

  t.test('confirm sets the new password once; the token is single-use and sessions end', async (t) => {
    const c = await s.customer();
    await s.inject({ method: 'POST', url: '/auth/password-reset', body: { email: c.email } });
    const { token } = await tokenFor(c.id);

    const before = await s.counts();
    const weak = await s.inject({
      method: 'POST',
      url: '/auth/password-reset/confirm',
      body: { token, password: 'weak' },
    });
    t.ok(isProblem(weak, 400), 'a weak password is refused');
    t.same(await s.counts(), before);

    const resetAt = new Date();
    const ok = await s.inject({
      method: 'POST',
      url: '/auth/password-reset/confirm',
      body: { token, password: 'Brand-new-pass-9' },
    });
    t.equal(ok.statusCode, 204);
    await s.login(c.email, 'Brand-new-pass-9');
    t.ok(
      isProblem(
        await s.inject({
          method: 'POST',
          url: '/auth/login',
          body: { email: c.email, password: c.password },
        }),
        401,
      ),
      'the old password is gone',
    );
    t.ok(
      isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken }), 401),
      'sessions from before the reset end',
    );
    t.ok(
      isProblem(
        await s.inject({ method: 'POST', url: '/auth/refresh', body: { refreshToken: c.refreshToken } }),
        401,
      ),
      'the old refresh token fails',
    );
    t.same(
      await s.sql(
        'select id from refresh_token where user_id = ? and revoked_at is null and created_at < ?',
        [c.id, resetAt],
      ),
      [],
      'every refresh token from before the reset is revoked',
    );
    const jti = decodeJwt(c.accessToken).jti;
    t.equal(await s.app.redis.exists(`auth:denied:${jti}`), 1, 'the old access token is deny-listed');
    const again = await s.inject({
      method: 'POST',
      url: '/auth/password-reset/confirm',
      body: { token, password: 'Another-pass-10' },
    });
    t.ok(isProblem(again, 400), 'single use');
    await s.login(c.email, 'Brand-new-pass-9');
  });

  t.test('an expired or made-up token is refused', async (t) => {
    const c = await s.customer();
    await s.inject({ method: 'POST', url: '/auth/password-reset', body: { email: c.email } });
    const { token } = await tokenFor(c.id);
    await s.sql("update password_reset set expires_at = now() - interval '1 second' where user_id = ?", [
      c.id,
    ]);
    const expired = await s.inject({
      method: 'POST',
      url: '/auth/password-reset/confirm',
      body: { token, password: 'Brand-new-pass-9' },
    });
    t.ok(isProblem(expired, 400));
    const madeUp = await s.inject({
      method: 'POST',
      url: '/auth/password-reset/confirm',
      body: { token: 'made-up-token', password: 'Brand-new-pass-9' },
    });
    t.ok(isProblem(madeUp, 400));
    await s.login(c.email, c.password);
  });
});

t.test('the request does the same work whether or not the address is registered', async (t) => {
  const s = await startIdentity(t, { PASSWORD_RESET_POLL_MS: '600000' });
  const c = await s.customer();
  // With the worker asleep, each request's whole effect is visible: one queued row, nothing else.
  const statements: string[] = [];
  const em = s.app.orm.em.fork();
  const execute = em.execute.bind(em);
  em.execute = ((query: string, ...rest: unknown[]) => {
    statements.push(String(query));
    return (execute as (...a: unknown[]) => unknown)(query, ...rest);
  }) as typeof em.execute;
  const before = await s.counts();
  await requestPasswordReset(em, 'nobody-at-all@example.com');
  await requestPasswordReset(em, c.email);
  t.equal(statements.length, 2);
  t.equal(statements[0], statements[1], 'the same statement for an unknown and a registered address');
  t.same(await s.counts(), before, 'no token, no event on the request path');
  const queued = await s.sql<{ email: string }>('select email from password_reset_request order by id');
  t.same(
    queued.map((r) => r.email),
    ['nobody-at-all@example.com', c.email],
  );
});

t.test('a newer reset request voids the older token', async (t) => {
  const s = await startIdentity(t, FAST);
  const c = await s.customer();
  const tokens: string[] = [];
  for (let i = 1; i <= 2; i++) {
    await s.inject({ method: 'POST', url: '/auth/password-reset', body: { email: c.email } });
    const mine = await eventually(async () => {
      const events = (await s.outboxEvents('user.password_reset_requested')).filter(
        (e) => e.data.userId === c.id,
      );
      if (events.length < i) throw new Error('not yet');
      return events;
    });
    tokens.push(mine.at(-1)!.data.token as string);
  }
  const old = await s.inject({
    method: 'POST',
    url: '/auth/password-reset/confirm',
    body: { token: tokens[0], password: 'Brand-new-pass-9' },
  });
  t.ok(isProblem(old, 400), 'the first link no longer works');
  const newest = await s.inject({
    method: 'POST',
    url: '/auth/password-reset/confirm',
    body: { token: tokens[1], password: 'Brand-new-pass-9' },
  });
  t.equal(newest.statusCode, 204);
});

t.test('the request wakes the worker: the token comes at once, not on the next poll', async (t) => {
  // The poll is ten minutes away: only the request's wake-up can explain a prompt token.
  const s = await startIdentity(t, { PASSWORD_RESET_POLL_MS: '600000' });
  const c = await s.customer();
  const started = Date.now();
  const res = await s.inject({ method: 'POST', url: '/auth/password-reset', body: { email: c.email } });
  t.equal(res.statusCode, 202);
  await eventually(
    async () => {
      const mine = (await s.outboxEvents('user.password_reset_requested')).filter(
        (e) => e.data.userId === c.id,
      );
      if (mine.length === 0) throw new Error('no token yet');
    },
    { timeoutMs: 5000 },
  );
  t.ok(Date.now() - started < 5000, `token made ${Date.now() - started} ms after the request`);
  const [row] = await s.sql<{ n: number }>('select count(*)::int as n from password_reset_request');
  t.equal(row!.n, 0, 'the queue is empty');
});
