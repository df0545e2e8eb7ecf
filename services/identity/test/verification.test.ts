// E-mail verification: the link made on registration (and on an e-mail change, and on a resend)
// travels only in user.verification_requested; POST /auth/verify spends it once.
import { uniqueName } from '@mercato/testing';
import { decodeJwt } from 'jose';
import t from 'tap';
import { GOOD_PASSWORD, isProblem, startIdentity } from './helpers.ts';

const claims = (token: string) => decodeJwt(token);

t.test('e-mail verification', async (t) => {
  // No resend interval, except where a test starts its own instance.
  const s = await startIdentity(t, { VERIFICATION_RESEND_INTERVAL_SECONDS: '0' });
  const verify = (token: unknown) => s.inject({ method: 'POST', url: '/auth/verify', body: { token } });

  t.test('registration makes a link; it verifies once; later tokens say so', async (t) => {
    const c = await s.register();
    t.equal(c.emailVerified, false, 'a new account is unverified');
    t.equal(claims(c.accessToken).email_verified, false, 'and its access token says so');
    const link = await s.verificationToken(c.id);
    t.equal(link.email, c.email);
    t.ok(Date.parse(link.expiresAt) > Date.now() + 24 * 3600 * 1000, 'the link lasts (48 h by default)');
    const [row] = await s.sql<{ token_hash: string }>(
      'select token_hash from email_verification where user_id = ?',
      [c.id],
    );
    t.not(row!.token_hash, link.token, 'the token is stored as a digest only');

    const ok = await verify(link.token);
    t.equal(ok.statusCode, 200);
    t.match(ok.json(), { id: c.id, email: c.email, emailVerified: true });
    t.match(ok.headers.etag, /^"\d+"$/);
    const me = await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken });
    t.equal(me.json().emailVerified, true, 'the profile says verified');
    const refreshed = await s.inject({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: c.refreshToken },
    });
    t.equal(claims(refreshed.json().accessToken).email_verified, true, 'a refreshed token carries the claim');
    const login = await s.login(c.email, c.password);
    t.equal(claims(login.accessToken).email_verified, true, 'so does a new login');
    t.ok(
      (await s.outboxEvents('user.updated')).some(
        (e) => e.data.userId === c.id && (e.data.changed as string[]).includes('emailVerified'),
      ),
      'user.updated tells the change',
    );

    const before = await s.counts();
    const twice = await verify(link.token);
    t.ok(isProblem(twice, 400), 'the link works once');
    t.match(twice.json().errors, [{ path: 'body/token' }]);
    t.same(await s.counts(), before, 'and the second use changes nothing');
  });

  t.test('an expired, made-up or malformed token is refused and changes nothing', async (t) => {
    const c = await s.register();
    const link = await s.verificationToken(c.id);
    await s.sql("update email_verification set expires_at = now() - interval '1 second' where user_id = ?", [
      c.id,
    ]);
    const before = await s.counts();
    const expired = await verify(link.token);
    t.ok(isProblem(expired, 400), 'expired');
    t.match(expired.json().errors, [{ path: 'body/token' }]);
    t.ok(isProblem(await verify('made-up-token'), 400), 'made up');
    t.ok(isProblem(await verify(''), 400), 'empty');
    t.ok(isProblem(await verify(42), 400), 'not a string');
    t.ok(isProblem(await verify('x'.repeat(201)), 400), 'oversized');
    t.ok(
      isProblem(
        await s.inject({ method: 'POST', url: '/auth/verify', body: { token: link.token, extra: 1 } }),
        400,
      ),
      'an unknown field',
    );
    t.ok(isProblem(await s.inject({ method: 'POST', url: '/auth/verify', body: {} }), 400), 'no token');
    t.same(await s.counts(), before);
    const [row] = await s.sql<{ email_verified_at: Date | null }>(
      'select email_verified_at from app_user where id = ?',
      [c.id],
    );
    t.equal(row!.email_verified_at, null, 'still unverified');
  });

  t.test('resend: a new link, the old one stops working; not for a verified address', async (t) => {
    const c = await s.register();
    const first = await s.verificationToken(c.id);
    const anonymous = await s.inject({ method: 'POST', url: '/auth/verify/resend' });
    t.ok(isProblem(anonymous, 401), 'only the account itself');
    const resent = await s.inject({ method: 'POST', url: '/auth/verify/resend', token: c.accessToken });
    t.equal(resent.statusCode, 202);
    const second = await s.verificationToken(c.id);
    t.not(second.token, first.token, 'a new token');
    t.equal(second.email, c.email);
    t.ok(isProblem(await verify(first.token), 400), 'the older link is void');
    t.equal((await verify(second.token)).statusCode, 200);
    const before = await s.counts();
    const again = await s.inject({ method: 'POST', url: '/auth/verify/resend', token: c.accessToken });
    t.ok(isProblem(again, 409), 'a verified address needs no link');
    t.same(await s.counts(), before);
  });

  t.test('a new e-mail address is unverified until its own link is used', async (t) => {
    const c = await s.register();
    await verify((await s.verificationToken(c.id)).token);
    const newEmail = `moved-${c.email}`;
    const moved = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { email: newEmail, currentPassword: c.password },
    });
    t.equal(moved.statusCode, 200);
    t.equal(moved.json().emailVerified, false);
    const link = await s.verificationToken(c.id);
    t.equal(link.email, newEmail, 'the link goes to the new address');
    t.equal((await verify(link.token)).json().emailVerified, true);
    const invalid = await s.inject({
      method: 'PATCH',
      url: '/auth/me',
      token: c.accessToken,
      body: { email: 'nobody@erased.invalid', currentPassword: c.password },
    });
    t.ok(isProblem(invalid, 400), 'not to an address that can receive no mail');
  });

  t.test('an admin-made user gets a link too; the configured first admin is verified', async (t) => {
    const admin = await s.admin();
    const name = uniqueName('made');
    const made = await s.inject({
      method: 'POST',
      url: '/users',
      token: admin.accessToken,
      body: { email: `${name}@example.com`, username: name.slice(0, 32), password: GOOD_PASSWORD },
    });
    t.equal(made.statusCode, 201);
    t.equal(made.json().emailVerified, false);
    t.equal((await s.verificationToken(made.json().id)).email, `${name}@example.com`);
    const me = await s.inject({ method: 'GET', url: '/auth/me', token: admin.accessToken });
    t.equal(me.json().emailVerified, true);
    t.equal(claims(admin.accessToken).email_verified, true);
  });

  t.test('an unverified account may do everything, ordering included: nothing here refuses it', async (t) => {
    const c = await s.register();
    const address = await s.inject({
      method: 'POST',
      url: '/addresses',
      token: c.accessToken,
      body: { street: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
    t.equal(address.statusCode, 201, 'an unverified account adds an address (and may check out with it)');
  });
});

t.test('resend waits VERIFICATION_RESEND_INTERVAL_SECONDS between links', async (t) => {
  const s = await startIdentity(t, { VERIFICATION_RESEND_INTERVAL_SECONDS: '3600' });
  const c = await s.register();
  const before = await s.counts();
  const soon = await s.inject({ method: 'POST', url: '/auth/verify/resend', token: c.accessToken });
  t.ok(isProblem(soon, 429), 'the registration’s link went out moments ago');
  t.ok(Number(soon.headers['retry-after']) > 0, 'Retry-After says when');
  t.same(await s.counts(), before, 'no second link');
});
