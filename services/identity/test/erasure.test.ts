// Account erasure: DELETE /auth/me (with the current password) and DELETE /users/{id} (admin).
import { validateEvent } from '@mercato/contracts';
import { eventually, tapExchange, uniqueName } from '@mercato/testing';
import { decodeJwt } from 'jose';
import t from 'tap';
import { ADMIN_PASSWORD, GOOD_PASSWORD, isProblem, startIdentity } from './helpers.ts';

t.test('account erasure', async (t) => {
  const s = await startIdentity(t);
  const tap = await tapExchange(s.exchange, { pattern: 'user.#', t });
  const erasedEvent = (userId: string) =>
    eventually(async () => {
      const found = tap.received.filter((e) => e.type === 'user.erased' && e.data.userId === userId);
      if (found.length === 0) throw new Error('no user.erased yet');
      return found;
    });
  const addAddress = async (token: string) => {
    const res = await s.inject({
      method: 'POST',
      url: '/addresses',
      token,
      body: {
        recipient: 'Ann Other',
        street: '1 Main St',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      },
    });
    t.equal(res.statusCode, 201);
  };
  const eraseMe = (token: string | undefined, body?: unknown, headers?: Record<string, string>) =>
    s.inject({ method: 'DELETE', url: '/auth/me', token, body, ...(headers ? { headers } : {}) });

  t.test('DELETE /auth/me erases the personal data; the address can register again', async (t) => {
    const c = await s.register({ name: 'Ann Example' });
    const other = await s.login(c.email, c.password);
    await addAddress(c.accessToken);
    await addAddress(c.accessToken);

    const before = await s.counts();
    t.ok(isProblem(await eraseMe(c.accessToken), 400), 'the password is required');
    const wrong = await eraseMe(c.accessToken, { password: 'Not-the-password-1' });
    t.ok(isProblem(wrong, 403), 'a wrong password');
    t.equal(wrong.json().type, 'https://mercato.dev/problems/reauthentication-required');
    t.ok(
      isProblem(await eraseMe(c.accessToken, { password: c.password, extra: 1 }), 400),
      'an unknown field',
    );
    t.ok(isProblem(await eraseMe(undefined, { password: c.password }), 401), 'anonymous');
    t.ok(
      isProblem(await eraseMe(c.accessToken, { password: c.password }, { 'if-match': '"999"' }), 412),
      'a stale If-Match',
    );
    t.same(await s.counts(), before, 'refusals changed nothing');

    const erased = await eraseMe(c.accessToken, { password: c.password });
    t.equal(erased.statusCode, 204);
    t.equal(erased.body, '');

    const [row] = await s.sql<Record<string, unknown>>(
      'select email, username, name, password_hash, active, erased_at, email_verified_at from app_user where id = ?',
      [c.id],
    );
    t.match(row, {
      email: `erased-${c.id}@erased.invalid`,
      username: `erased-${c.id}`,
      name: null,
      password_hash: '',
      active: false,
      erased_at: String,
      email_verified_at: null,
    });
    const leftovers = await s.sql<{ n: number }>(
      `select (select count(*) from address where user_id = ?)
            + (select count(*) from email_verification where user_id = ?)
            + (select count(*) from password_reset where user_id = ?) as n`,
      [c.id, c.id, c.id],
    );
    t.equal(Number(leftovers[0]!.n), 0, 'addresses and tokens are deleted');
    const live = await s.sql('select 1 from refresh_token where user_id = ? and revoked_at is null', [c.id]);
    t.same(live, [], 'every refresh token is revoked');
    for (const token of [c.accessToken, other.accessToken]) {
      const jti = decodeJwt(token).jti;
      t.ok((await s.app.redis.exists(`auth:denied:${jti}`)) === 1, 'live access tokens are deny-listed');
      t.ok(isProblem(await s.inject({ method: 'GET', url: '/auth/me', token }), 401));
    }
    for (const refreshToken of [c.refreshToken, other.refreshToken])
      t.ok(isProblem(await s.inject({ method: 'POST', url: '/auth/refresh', body: { refreshToken } }), 401));
    t.ok(
      isProblem(
        await s.inject({
          method: 'POST',
          url: '/auth/login',
          body: { email: c.email, password: c.password },
        }),
        401,
      ),
      'the old e-mail and password no longer log in',
    );

    const [event] = await erasedEvent(c.id);
    t.match(
      event!.data,
      { userId: c.id, email: c.email, erasedAt: String },
      'user.erased with the real address',
    );
    t.same(validateEvent('user.erased', event!.version, event!.data), { ok: true });
    t.equal(event!.correlationId, c.id);

    const admin = await s.admin();
    t.ok(isProblem(await s.inject({ method: 'GET', url: `/users/${c.id}`, token: admin.accessToken }), 404));
    const list = await s.inject({
      method: 'GET',
      url: `/users?email=${encodeURIComponent(c.id)}`,
      token: admin.accessToken,
    });
    t.equal(list.json().total, 0, 'not in the list (not even by its placeholder)');
    const all = await s.inject({ method: 'GET', url: '/users?pageSize=100', token: admin.accessToken });
    t.notOk(
      (all.json().items as { id: string }[]).some((u) => u.id === c.id),
      'the list does not show an erased account',
    );
    t.ok(
      isProblem(
        await s.inject({
          method: 'PATCH',
          url: `/users/${c.id}`,
          token: admin.accessToken,
          body: { active: true },
        }),
        404,
      ),
      'an erased account cannot be revived',
    );

    const again = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: c.email, username: c.username, password: GOOD_PASSWORD, name: 'Ann Again' },
    });
    t.equal(again.statusCode, 201, 'the e-mail and the username can register again');
    t.not(again.json().user.id, c.id, 'as a new account');
    t.equal(again.json().user.emailVerified, false);
  });

  t.test('DELETE /users/{id}: admins only; erases like DELETE /auth/me', async (t) => {
    const c = await s.register();
    await addAddress(c.accessToken);
    const intruder = await s.customer();
    const admin = await s.admin();
    const before = await s.counts();
    const del = (id: string, token?: string, headers?: Record<string, string>) =>
      s.inject({ method: 'DELETE', url: `/users/${id}`, token, ...(headers ? { headers } : {}) });
    t.ok(isProblem(await del(c.id), 401), 'anonymous');
    t.ok(isProblem(await del(c.id, intruder.accessToken), 403), 'another customer');
    t.ok(isProblem(await del(c.id, c.accessToken), 403), 'the user itself (DELETE /auth/me is theirs)');
    t.ok(isProblem(await del('not-a-uuid', admin.accessToken), 400), 'a malformed id');
    t.ok(
      isProblem(await del('0190a000-0000-7000-8000-000000000000', admin.accessToken), 404),
      'an unknown id',
    );
    t.ok(isProblem(await del(c.id, admin.accessToken, { 'if-match': '"999"' }), 412), 'a stale If-Match');
    t.same(await s.counts(), before, 'refusals changed nothing');

    const current = await s.inject({ method: 'GET', url: `/users/${c.id}`, token: admin.accessToken });
    const ok = await del(c.id, admin.accessToken, { 'if-match': current.headers.etag as string });
    t.equal(ok.statusCode, 204);
    t.ok(isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken }), 401));
    t.equal((await s.sql('select 1 from address where user_id = ?', [c.id])).length, 0);
    const [event] = await erasedEvent(c.id);
    t.equal(event!.data.email, c.email);
    t.ok(isProblem(await del(c.id, admin.accessToken), 404), 'erasing twice: it is gone');
    t.equal(
      tap.received.filter((e) => e.type === 'user.erased' && e.data.userId === c.id).length,
      1,
      'one event',
    );
  });

  t.test('the last active admin cannot be erased; with another admin it can', async (t) => {
    const solo = await startIdentity(t);
    const admin = await solo.admin();
    const me = (await solo.inject({ method: 'GET', url: '/auth/me', token: admin.accessToken })).json();
    const before = await solo.counts();
    t.ok(
      isProblem(
        await solo.inject({
          method: 'DELETE',
          url: '/auth/me',
          token: admin.accessToken,
          body: { password: ADMIN_PASSWORD },
        }),
        409,
      ),
    );
    t.ok(
      isProblem(
        await solo.inject({ method: 'DELETE', url: `/users/${me.id}`, token: admin.accessToken }),
        409,
      ),
    );
    t.same(await solo.counts(), before);
    const name = uniqueName('second');
    const second = await solo.inject({
      method: 'POST',
      url: '/users',
      token: admin.accessToken,
      body: {
        email: `${name}@example.com`,
        username: name.slice(0, 32),
        password: GOOD_PASSWORD,
        role: 'admin',
      },
    });
    t.equal(second.statusCode, 201);
    const gone = await solo.inject({
      method: 'DELETE',
      url: '/auth/me',
      token: admin.accessToken,
      body: { password: ADMIN_PASSWORD },
    });
    t.equal(gone.statusCode, 204, 'with another admin the first may go');
  });
});
