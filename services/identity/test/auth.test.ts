import { createHash } from 'node:crypto';
import { uniqueName } from '@mercato/testing';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import t from 'tap';
import { GOOD_PASSWORD, isProblem, startIdentity } from './helpers.ts';

t.test('identity auth', async (t) => {
  const s = await startIdentity(t);

  t.test('register: 201 with the user and a login; the account works at once', async (t) => {
    const before = await s.counts();
    const tag = uniqueName('n').slice(0, 24);
    const res = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: {
        email: `${tag.toUpperCase()}@Example.com`,
        username: tag,
        password: GOOD_PASSWORD,
        name: 'Ann',
      },
    });
    t.equal(res.statusCode, 201);
    const body = res.json();
    t.match(body, {
      user: {
        id: /^[0-9a-f-]{36}$/,
        email: `${tag}@example.com`,
        username: tag,
        name: 'Ann',
        role: 'customer',
        active: true,
        emailVerified: false,
      },
      accessToken: String,
      refreshToken: String,
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshExpiresIn: 7 * 24 * 3600,
    });
    t.equal(res.headers.location, `/users/${body.user.id}`);
    t.match(res.headers.etag, /^"\d+"$/);
    const after = await s.counts();
    t.equal(after.app_user, before.app_user + 1);
    t.equal(after.refresh_token, before.refresh_token + 1, 'the login is a real one');
    t.equal(after.email_verification, before.email_verification + 1, 'a verification link is made');
    const [stored] = await s.sql<{ password_hash: string }>(
      'select password_hash from app_user where id = ?',
      [body.user.id],
    );
    t.match(stored!.password_hash, /^\$argon2id\$/, 'the password is kept as an argon2id hash');

    const me = await s.inject({ method: 'GET', url: '/auth/me', token: body.accessToken });
    t.equal(me.statusCode, 200, 'the access token works without a second call');
    t.equal(me.json().id, body.user.id);
    const refreshed = await s.inject({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: body.refreshToken },
    });
    t.equal(refreshed.statusCode, 200, 'so does the refresh token');
    await s.login(body.user.email, GOOD_PASSWORD);
    t.match((await s.outboxEvents('user.registered')).find((e) => e.data.userId === body.user.id)?.data, {
      email: `${tag}@example.com`,
      username: tag,
      name: 'Ann',
      role: 'customer',
    });
  });

  t.test('register: a taken e-mail or username is 409 account-exists naming the field', async (t) => {
    const user = await s.register();
    const before = await s.counts();
    const dupEmail = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: {
        email: user.email.toUpperCase(),
        username: uniqueName('o').slice(0, 24),
        password: GOOD_PASSWORD,
      },
    });
    t.ok(isProblem(dupEmail, 409));
    t.equal(dupEmail.json().type, 'https://mercato.dev/problems/account-exists');
    t.same(
      dupEmail.json().errors.map((e: { path: string }) => e.path),
      ['body/email'],
    );
    t.equal(dupEmail.headers.location, undefined);
    const dupUsername = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: `x${user.email}`, username: user.username.toUpperCase(), password: GOOD_PASSWORD },
    });
    t.ok(isProblem(dupUsername, 409));
    t.equal(dupUsername.json().type, 'https://mercato.dev/problems/account-exists');
    t.same(
      dupUsername.json().errors.map((e: { path: string }) => e.path),
      ['body/username'],
    );
    const both = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: user.email, username: user.username, password: GOOD_PASSWORD },
    });
    t.same(
      both.json().errors.map((e: { path: string }) => e.path),
      ['body/email', 'body/username'],
    );
    const after = await s.counts();
    t.same(
      { ...after, outbox: before.outbox },
      before,
      'nothing was created: no user, no login, no verification',
    );
    t.equal(after.outbox, before.outbox + 2, 'only the two refusals of a taken e-mail are recorded');
    const refused = (await s.outboxEvents('user.registration_refused')).filter(
      (e) => e.data.email === user.email,
    );
    t.equal(refused.length, 2);
    t.match(refused[0]!.data, { reason: 'email-taken', userId: user.id }, 'the owner of the address is told');
    await s.login(user.email, user.password);

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
    const invalid = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: 'someone@erased.invalid', username: 'invalid_domain', password: GOOD_PASSWORD },
    });
    t.ok(isProblem(invalid, 400), 'an address in the reserved .invalid domain can receive no mail');
    t.match(invalid.json().errors, [{ path: 'body/email' }]);
    t.same(await s.counts(), middle, 'refused registrations changed nothing');
  });

  t.test('two registrations racing for one e-mail: one 201, the other 409, one account', async (t) => {
    const tag = uniqueName('r').slice(0, 24);
    const body = (n: number) => ({
      email: `${tag}@example.com`,
      username: `${tag}${n}`,
      password: GOOD_PASSWORD,
    });
    const answers = await Promise.all(
      [1, 2].map((n) => s.inject({ method: 'POST', url: '/auth/register', body: body(n) })),
    );
    t.same(answers.map((r) => r.statusCode).sort(), [201, 409]);
    t.equal(
      answers.find((r) => r.statusCode === 409)!.json().type,
      'https://mercato.dev/problems/account-exists',
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
      t.equal(stored.length, 2, 'the registration’s login and this one');
      t.notOk(
        stored.some((r) => r.token_hash === tokens.refreshToken),
        'the refresh token is not stored as such',
      );
      t.ok(
        stored.some((r) => r.token_hash === createHash('sha256').update(tokens.refreshToken).digest('hex')),
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
      t.equal(payload.email_verified, false, 'the claim says the address is not confirmed yet');
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

  t.test('the first admin comes from configuration', async (t) => {
    const tokens = await s.admin();
    const me = await s.inject({ method: 'GET', url: '/auth/me', token: tokens.accessToken });
    t.match(me.json(), { email: s.adminEmail, role: 'admin' });
  });
});
