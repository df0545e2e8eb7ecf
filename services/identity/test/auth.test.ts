import { createHash } from 'node:crypto';
import { uniqueName } from '@mercato/testing';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import t from 'tap';
import { hashPassword } from '../src/domain/passwords.ts';
import { register } from '../src/use-cases/register.ts';
import { GOOD_PASSWORD, isProblem, startIdentity } from './helpers.ts';

t.test('identity auth', async (t) => {
  const s = await startIdentity(t);

  t.test('register: 202; a taken e-mail or username gets the same answer and creates nothing', async (t) => {
    const before = await s.counts();
    const user = await s.register({ name: 'Ann' });
    t.match(user, { id: /^[0-9a-f-]{36}$/, role: 'customer', active: true, name: 'Ann' });
    const after = await s.counts();
    t.equal(after.app_user, before.app_user + 1);
    const [stored] = await s.sql<{ password_hash: string }>(
      'select password_hash from app_user where id = ?',
      [user.id],
    );
    t.match(stored!.password_hash, /^\$argon2id\$/, 'the password is kept as an argon2id hash');
    await s.login(user.email, user.password);

    const fresh = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: {
        email: `fresh-${user.email}`,
        username: `f${user.username}`.slice(0, 32),
        password: GOOD_PASSWORD,
      },
    });
    const dupEmail = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: user.email.toUpperCase(), username: 'someone_else', password: GOOD_PASSWORD },
    });
    const dupUsername = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: `x${user.email}`, username: user.username.toUpperCase(), password: GOOD_PASSWORD },
    });
    for (const [res, what] of [
      [dupEmail, 'same e-mail, other case'],
      [dupUsername, 'same username, other case'],
    ] as const) {
      t.equal(res.statusCode, fresh.statusCode, `${what}: the status of a new account`);
      t.equal(res.body, fresh.body, `${what}: the body of a new account`);
      t.equal(res.headers['content-type'], fresh.headers['content-type']);
      t.equal(res.headers.location, undefined, 'no link to an account');
    }
    t.equal(fresh.statusCode, 202);
    t.same(fresh.json(), { status: 'accepted' });
    const users = await s.sql('select id from app_user where email in (?, ?)', [
      `someone_else@example.com`,
      `x${user.email}`,
    ]);
    t.same(users, [], 'neither refused registration created an account');
    await s.login(user.email, user.password);

    const refused = await s.outboxEvents('user.registration_refused');
    t.match(
      refused.find((e) => e.data.email === user.email)?.data,
      { reason: 'email-taken', userId: user.id, username: 'someone_else' },
      'the owner of the address can be told (notifications, issue #11)',
    );
    t.match(
      refused.find((e) => e.data.email === `x${user.email}`)?.data,
      { reason: 'username-taken', username: user.username.toUpperCase() },
      'the registrant can be told to choose another username',
    );

    const middle = await s.counts();
    for (const [password, why] of [
      ['Short1!', /at least 10 characters/],
      ['abcdefghijkl', /two kinds of characters/],
      ['weak_user_x1', /username/],
    ] as const) {
      const res = await s.inject({
        method: 'POST',
        url: '/auth/register',
        body: { email: 'weak@example.com', username: 'weak_user_x1', password },
      });
      t.ok(isProblem(res, 400), `weak: ${password}`);
      t.match(res.json().detail, why);
      t.match(res.json().errors, [{ path: 'body/password' }]);
    }
    t.same(await s.counts(), middle, 'weak passwords changed nothing');
  });

  t.test(
    'register does the same work whether or not the account exists: the password is hashed',
    async (t) => {
      const user = await s.register();
      const hashed: string[] = [];
      const hash = async (password: string) => {
        hashed.push(password);
        return hashPassword(password);
      };
      const tag = uniqueName('h').slice(0, 24);
      const outcomes = [
        await register(
          s.app.orm.em,
          { email: `${tag}@example.com`, username: tag, password: 'New-one-Pass-1' },
          hash,
        ),
        await register(
          s.app.orm.em,
          { email: user.email, username: `${tag}x`, password: 'Taken-mail-Pass-2' },
          hash,
        ),
        await register(
          s.app.orm.em,
          { email: `n${tag}@example.com`, username: user.username, password: 'Taken-name-Pass-3' },
          hash,
        ),
      ];
      t.same(outcomes, ['created', 'email-taken', 'username-taken']);
      t.same(hashed, ['New-one-Pass-1', 'Taken-mail-Pass-2', 'Taken-name-Pass-3'], 'one hash on every path');
    },
  );

  t.test('two registrations racing for one e-mail: one account, the other refused, both 202', async (t) => {
    const tag = uniqueName('r').slice(0, 24);
    const body = (n: number) => ({
      email: `${tag}@example.com`,
      username: `${tag}${n}`,
      password: GOOD_PASSWORD,
    });
    const answers = await Promise.all(
      [1, 2].map((n) => s.inject({ method: 'POST', url: '/auth/register', body: body(n) })),
    );
    t.same(
      answers.map((r) => r.statusCode),
      [202, 202],
    );
    t.equal((await s.sql('select id from app_user where email = ?', [`${tag}@example.com`])).length, 1);
    const refused = (await s.outboxEvents('user.registration_refused')).filter(
      (e) => e.data.email === `${tag}@example.com`,
    );
    t.equal(refused.length, 1, 'the loser is recorded as refused');
  });

  t.test(
    'login gives a 15-minute EdDSA access token verifiable with the JWKS, and a refresh token',
    async (t) => {
      const user = await s.register();
      const tokens = await s.login(user.email.toUpperCase(), user.password);
      t.equal(tokens.expiresIn, 900);
      t.match(tokens, { tokenType: 'Bearer', refreshExpiresIn: 7 * 24 * 3600 });
      const stored = await s.sql<{ token_hash: string }>(
        'select token_hash from refresh_token where user_id = ?',
        [user.id],
      );
      t.equal(stored.length, 1);
      t.not(stored[0]!.token_hash, tokens.refreshToken, 'the refresh token is not stored as such');
      t.equal(
        stored[0]!.token_hash,
        createHash('sha256').update(tokens.refreshToken).digest('hex'),
        'but as its SHA-256',
      );
      const jwks = await s.inject({ method: 'GET', url: '/auth/.well-known/jwks.json' });
      t.equal(jwks.statusCode, 200);
      const keySet = jwks.json();
      t.match(keySet.keys[0], { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: String });
      t.notOk('d' in keySet.keys[0], 'no private part');
      const header = decodeProtectedHeader(tokens.accessToken);
      t.match(header, { alg: 'EdDSA', kid: keySet.keys[0].kid });
      const { payload } = await jwtVerify(tokens.accessToken, createLocalJWKSet(keySet), {
        issuer: 'mercato-identity',
      });
      t.match(payload, { sub: user.id, role: 'customer', jti: String, iat: Number, exp: Number });
      t.equal(payload.exp! - payload.iat!, 900);

      const me = await s.inject({ method: 'GET', url: '/auth/me', token: tokens.accessToken });
      t.equal(me.statusCode, 200);
      t.match(me.json(), { id: user.id, email: user.email });
      t.match(me.headers.etag, /^"\d+"$/);
    },
  );

  t.test('wrong password and unknown e-mail get the same 401', async (t) => {
    const user = await s.register();
    const wrong = await s.inject({
      method: 'POST',
      url: '/auth/login',
      body: { email: user.email, password: 'Not-the-password-1' },
    });
    const unknown = await s.inject({
      method: 'POST',
      url: '/auth/login',
      body: { email: `${uniqueName('nobody')}@example.com`, password: 'Not-the-password-1' },
    });
    t.ok(isProblem(wrong, 401));
    t.ok(isProblem(unknown, 401));
    t.equal(wrong.json().detail, unknown.json().detail);
  });

  t.test('refresh rotates; reusing a rotated token revokes the whole family', async (t) => {
    const c = await s.customer();
    const first = await s.inject({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: c.refreshToken },
    });
    t.equal(first.statusCode, 200);
    const rotated = first.json();
    t.not(rotated.refreshToken, c.refreshToken, 'a new refresh token');
    t.not(rotated.accessToken, c.accessToken);
    t.equal((await s.inject({ method: 'GET', url: '/auth/me', token: rotated.accessToken })).statusCode, 200);

    const reuse = await s.inject({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: c.refreshToken },
    });
    t.ok(isProblem(reuse, 401), 'the rotated token is refused');
    const next = await s.inject({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: rotated.refreshToken },
    });
    t.ok(isProblem(next, 401), 'and the newest token of the family is revoked too');
    const me = await s.inject({ method: 'GET', url: '/auth/me', token: rotated.accessToken });
    t.ok(isProblem(me, 401), 'the family’s live access token is denied');

    const other = await s.login(c.email, c.password);
    t.equal(
      (await s.inject({ method: 'POST', url: '/auth/refresh', body: { refreshToken: other.refreshToken } }))
        .statusCode,
      200,
      'another login of the same user is not affected',
    );
  });

  t.test('two concurrent refreshes with one token: one wins, the other counts as reuse', async (t) => {
    const c = await s.customer();
    const results = await Promise.all(
      [0, 1].map(() =>
        s.inject({ method: 'POST', url: '/auth/refresh', body: { refreshToken: c.refreshToken } }),
      ),
    );
    t.same(results.map((r) => r.statusCode).sort(), [200, 401]);
    const winner = results.find((r) => r.statusCode === 200)!.json();
    const next = await s.inject({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: winner.refreshToken },
    });
    t.ok(isProblem(next, 401), 'the reuse revoked the family, the winner’s new token included');
  });

  t.test('an unknown or expired refresh token is 401', async (t) => {
    const c = await s.customer();
    const unknown = await s.inject({ method: 'POST', url: '/auth/refresh', body: { refreshToken: 'nope' } });
    t.ok(isProblem(unknown, 401));
    await s.sql("update refresh_token set expires_at = now() - interval '1 minute' where user_id = ?", [
      c.id,
    ]);
    const expired = await s.inject({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: c.refreshToken },
    });
    t.ok(isProblem(expired, 401));
    t.match(expired.json().detail, /expired/);
  });

  t.test('logout: the access token and its refresh family stop working at once', async (t) => {
    const c = await s.customer();
    const other = await s.login(c.email, c.password);
    const out = await s.inject({ method: 'POST', url: '/auth/logout', token: c.accessToken });
    t.equal(out.statusCode, 204);
    const jti = JSON.parse(Buffer.from(c.accessToken.split('.')[1]!, 'base64url').toString()).jti;
    t.ok((await s.app.redis.ttl(`auth:denied:${jti}`)) > 0, 'the jti is on the shared deny-list with a TTL');
    t.ok((await s.app.redis.ttl(`auth:denied:${jti}`)) <= 900, 'until the token expires');
    t.ok(isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken }), 401));
    t.ok(
      isProblem(
        await s.inject({ method: 'POST', url: '/auth/refresh', body: { refreshToken: c.refreshToken } }),
        401,
      ),
      'its refresh token is revoked',
    );
    t.equal(
      (await s.inject({ method: 'GET', url: '/auth/me', token: other.accessToken })).statusCode,
      200,
      'another login stays',
    );
  });

  t.test('PATCH /auth/me changes the profile; a password change needs the current password', async (t) => {
    const c = await s.customer();
    const other = await s.login(c.email, c.password);
    const named = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { name: 'Bea' },
    });
    t.equal(named.statusCode, 200);
    t.equal(named.json().name, 'Bea');

    const before = await s.counts();
    const missing = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { password: 'New-password-42' },
    });
    t.ok(isProblem(missing, 403), 'without currentPassword');
    t.equal(missing.json().type, 'https://mercato.dev/problems/reauthentication-required');
    const wrong = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { password: 'New-password-42', currentPassword: 'Wrong-password-1' },
    });
    t.ok(isProblem(wrong, 403), 'with a wrong currentPassword');
    t.equal(wrong.json().type, 'https://mercato.dev/problems/reauthentication-required');
    const weak = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { password: 'short', currentPassword: c.password },
    });
    t.ok(isProblem(weak, 400), 'a weak new password');
    t.same(await s.counts(), before, 'nothing changed');

    const changed = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { password: 'New-password-42', currentPassword: c.password },
    });
    t.equal(changed.statusCode, 200);
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
    await s.login(c.email, 'New-password-42');
    t.equal(
      (await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken })).statusCode,
      200,
      'the session that changed it stays',
    );
    t.ok(
      isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: other.accessToken }), 401),
      'other sessions end',
    );
    const events = await s.outboxEvents('user.updated');
    t.ok(events.some((e) => e.data.userId === c.id && (e.data.changed as string[]).includes('password')));

    const current = await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken });
    const stale = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      headers: { 'if-match': '"1"' },
      body: { name: 'Stale' },
    });
    t.not(current.headers.etag, '"1"', 'the profile has moved on');
    t.ok(isProblem(stale, 412), 'a stale If-Match');
    const fresh = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      headers: { 'if-match': current.headers.etag as string },
      body: { name: 'Fresh' },
    });
    t.equal(fresh.json().name, 'Fresh');
    const other2 = await s.register();
    const taken = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { email: other2.email, currentPassword: 'New-password-42' },
    });
    t.ok(isProblem(taken, 409), 'an e-mail of another user');
  });

  t.test('changing the e-mail needs the current password: a token alone is not enough', async (t) => {
    const c = await s.customer();
    const before = await s.counts();
    const newEmail = `moved-${c.email}`;
    const bare = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { email: newEmail },
    });
    t.ok(isProblem(bare, 403), 'an access token alone');
    t.equal(bare.json().type, 'https://mercato.dev/problems/reauthentication-required');
    const wrong = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { email: newEmail, currentPassword: 'Wrong-password-1' },
    });
    t.ok(isProblem(wrong, 403), 'a wrong current password');
    t.equal(wrong.json().type, 'https://mercato.dev/problems/reauthentication-required');
    t.same(await s.counts(), before, 'nothing changed');
    t.equal((await s.sql('select 1 from app_user where email = ?', [newEmail])).length, 0);

    const same = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { email: c.email, name: 'Same' },
    });
    t.equal(same.statusCode, 200, 'the unchanged e-mail in a body needs no password');

    const moved = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { email: newEmail, currentPassword: c.password },
    });
    t.equal(moved.statusCode, 200);
    t.equal(moved.json().email, newEmail);
  });

  t.test('wrong current passwords count as failed logins of the client', async (t) => {
    const strict = await startIdentity(t, { LOGIN_SLOWDOWN_AFTER: '2', LOGIN_SLOWDOWN_BASE_MS: '60000' });
    const c = await strict.customer();
    const guess = () =>
      strict.inject({
        method: 'PATCH',
        url: '/auth/me',
        token: c.accessToken,
        body: { password: 'New-password-42', currentPassword: 'Wrong-password-1' },
      });
    t.ok(isProblem(await guess(), 403));
    t.ok(isProblem(await guess(), 403));
    const throttled = await guess();
    t.ok(isProblem(throttled, 429), 'a stolen token is no password oracle');
    t.ok(Number(throttled.headers['retry-after']) >= 1);
  });

  t.test('DELETE /auth/me deactivates; its tokens stop working', async (t) => {
    const c = await s.customer();
    const del = await s.inject({ method: 'DELETE', url: '/auth/me', token: c.accessToken });
    t.equal(del.statusCode, 204);
    t.ok(isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken }), 401));
    t.ok(
      isProblem(
        await s.inject({ method: 'POST', url: '/auth/refresh', body: { refreshToken: c.refreshToken } }),
        401,
      ),
    );
    t.ok(
      isProblem(
        await s.inject({
          method: 'POST',
          url: '/auth/login',
          body: { email: c.email, password: c.password },
        }),
        401,
      ),
    );
    const [row] = await s.sql<{ active: boolean }>('select active from app_user where id = ?', [c.id]);
    t.equal(row!.active, false, 'deactivated, not deleted');
    t.ok((await s.outboxEvents('user.deactivated')).some((e) => e.data.userId === c.id));
  });

  t.test('the first admin comes from configuration', async (t) => {
    const tokens = await s.admin();
    const me = await s.inject({ method: 'GET', url: '/auth/me', token: tokens.accessToken });
    t.match(me.json(), { email: s.adminEmail, role: 'admin' });
  });
});
