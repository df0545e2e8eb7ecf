// Every kind of bad request gets the right 4xx as application/problem+json, and the database is
// exactly as it was before.
import { generateKeyPairSync } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { GOOD_PASSWORD, isProblem, startIdentity } from './helpers.ts';

t.test('bad input changes nothing', async (t) => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const s = await startIdentity(t, { JWT_PRIVATE_KEY: pem });
  const c = await s.customer();
  const kid = s.app.signingKey.kid;
  const key = await importPKCS8(pem, 'EdDSA');
  const sign = (claims: Record<string, unknown>, opts: { exp?: number; iss?: string; kid?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role: 'customer', ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid: opts.kid ?? kid })
      .setSubject(c.id)
      .setJti(uuidv7())
      .setIssuer(opts.iss ?? 'mercato-identity')
      .setIssuedAt(now - 3600)
      .setExpirationTime(opts.exp ?? now + 600)
      .sign(key);
  };
  t.equal(
    (await s.inject({ method: 'GET', url: '/auth/me', token: await sign({}) })).statusCode,
    200,
    'the configured JWT_PRIVATE_KEY signs (control)',
  );

  t.test('malformed JSON, wrong types, unknown fields, missing fields, oversize bodies: 4xx', async (t) => {
    const before = await s.counts();
    const raw = (url: string, payload: string, headers: Record<string, string> = {}) =>
      s.app.inject({
        method: 'POST',
        url,
        payload,
        headers: { 'content-type': 'application/json', ...headers },
        remoteAddress: s.ip,
      });
    t.ok(isProblem(await raw('/auth/register', '{"email": "a@b.co",'), 400), 'malformed JSON');
    t.ok(isProblem(await raw('/auth/login', 'not json'), 400), 'malformed JSON on login');
    const wrongType = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: 'typed@example.com', username: 42, password: GOOD_PASSWORD },
    });
    t.ok(isProblem(wrongType, 400), 'wrong type');
    t.match(wrongType.json().errors, [{ path: 'body/username' }]);
    const unknown = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: 'extra@example.com', username: 'extra_user', password: GOOD_PASSWORD, role: 'admin' },
    });
    t.ok(isProblem(unknown, 400), 'unknown field (no self-promotion to admin)');
    t.match(unknown.json().errors, [{ path: 'body/role', message: 'is not allowed' }]);
    const missing = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: 'm@example.com' },
    });
    t.ok(isProblem(missing, 400), 'missing fields');
    const badEmail = await s.inject({
      method: 'POST',
      url: '/auth/register',
      body: { email: 'not-an-email', username: 'bad_email', password: GOOD_PASSWORD },
    });
    t.ok(isProblem(badEmail, 400), 'not an e-mail address');
    const huge = JSON.stringify({
      email: 'big@example.com',
      username: 'big_user',
      password: 'x'.repeat(2 * 1024 * 1024),
    });
    t.ok(isProblem(await raw('/auth/register', huge), 413), 'oversize body');
    t.ok(
      isProblem(
        await s.inject({
          method: 'POST',
          url: '/auth/refresh',
          body: { refreshToken: c.refreshToken, x: 1 },
        }),
        400,
      ),
      'unknown field on refresh',
    );
    t.ok(
      isProblem(await s.inject({ method: 'PATCH', url: '/auth/me', token: c.accessToken, body: {} }), 400),
      'an empty PATCH',
    );
    t.ok(
      isProblem(
        await s.inject({ method: 'PATCH', url: '/auth/me', token: c.accessToken, body: { role: 'admin' } }),
        400,
      ),
      'a customer cannot set their own role',
    );
    t.ok(
      isProblem(await s.inject({ method: 'POST', url: '/auth/password-reset', body: { email: 7 } }), 400),
      'wrong type on password reset',
    );
    t.ok(
      isProblem(
        await s.inject({ method: 'POST', url: '/auth/password-reset/confirm', body: { token: 'x' } }),
        400,
      ),
      'missing password on reset confirm',
    );
    const admin = await s.admin();
    t.ok(
      isProblem(
        await s.inject({ method: 'GET', url: '/users?pageSize=1000', token: admin.accessToken }),
        400,
      ),
      'a page size out of range',
    );
    t.ok(
      isProblem(await s.inject({ method: 'GET', url: '/users?role=root', token: admin.accessToken }), 400),
      'an unknown role filter',
    );
    t.ok(
      isProblem(
        await s.inject({
          method: 'PATCH',
          url: `/users/${c.id}`,
          token: admin.accessToken,
          body: { role: 'root' },
        }),
        400,
      ),
      'an unknown role',
    );
    t.ok(
      isProblem(
        await s.inject({
          method: 'PATCH',
          url: `/users/${c.id}`,
          token: admin.accessToken,
          body: { email: 'x@y.zz' },
        }),
        400,
      ),
      'admins change role and active only',
    );
    t.ok(
      isProblem(await s.inject({ method: 'GET', url: '/users/123', token: admin.accessToken }), 400),
      'not a uuid',
    );
    const after = await s.counts();
    // The admin's login above added its refresh row; nothing else may differ.
    t.same(after, { ...before, refresh_token: before.refresh_token + 1 });
  });

  t.test('missing, malformed, expired, tampered, foreign, and logged-out tokens: 401', async (t) => {
    const before = await s.counts();
    const [, payload, signature] = c.accessToken.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' }),
    ).toString('base64url');
    const foreignKey = generateKeyPairSync('ed25519').privateKey;
    const foreign = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setSubject(c.id)
      .setJti(uuidv7())
      .setIssuer('mercato-identity')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(foreignKey);
    const cases: [string, Record<string, string>][] = [
      ['missing', {}],
      ['not bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
      ['garbage', { authorization: 'Bearer not.a.jwt' }],
      ['expired', { authorization: `Bearer ${await sign({}, { exp: Math.floor(Date.now() / 1000) - 60 })}` }],
      ['tampered payload', { authorization: `Bearer ${c.accessToken.split('.')[0]}.${forged}.${signature}` }],
      ['signed by another key', { authorization: `Bearer ${foreign}` }],
      ['unknown kid', { authorization: `Bearer ${await sign({}, { kid: 'nope' })}` }],
      ['wrong issuer', { authorization: `Bearer ${await sign({}, { iss: 'someone-else' })}` }],
      ['no role', { authorization: `Bearer ${await sign({ role: undefined })}` }],
    ];
    for (const [why, headers] of cases) {
      for (const r of [
        { method: 'GET', url: '/auth/me' },
        { method: 'PATCH', url: '/auth/me', body: { name: 'x' } },
        { method: 'DELETE', url: '/auth/me' },
        {
          method: 'POST',
          url: '/addresses',
          body: { street: 's', city: 'c', postalCode: '1', country: 'DE' },
        },
        { method: 'PATCH', url: `/users/${c.id}`, body: { role: 'admin' } },
      ] as const) {
        const res = await s.inject({ ...r, headers });
        t.ok(isProblem(res, 401), `${why}: ${r.method} ${r.url}`);
      }
    }

    const loggedOut = await s.customer();
    t.equal(
      (await s.inject({ method: 'POST', url: '/auth/logout', token: loggedOut.accessToken })).statusCode,
      204,
    );
    const afterLogout = await s.counts();
    for (const r of [
      { method: 'GET', url: '/auth/me' },
      { method: 'PATCH', url: '/auth/me', body: { name: 'x' } },
      { method: 'DELETE', url: '/auth/me' },
      { method: 'POST', url: '/auth/logout' },
    ] as const) {
      t.ok(
        isProblem(await s.inject({ ...r, token: loggedOut.accessToken }), 401),
        `logged out: ${r.method} ${r.url}`,
      );
    }
    t.same(await s.counts(), afterLogout, 'nothing changed after logout');
    t.equal(afterLogout.app_user, before.app_user + 1, 'only the one registration');
    const [row] = await s.sql<{ name: string | null; active: boolean }>(
      'select name, active from app_user where id = ?',
      [c.id],
    );
    t.same(row, { name: null, active: true }, 'the victim is untouched');
  });

  t.test('unknown routes are 404 problems', async (t) => {
    t.ok(isProblem(await s.inject({ method: 'GET', url: '/auth/nothing' }), 404));
  });
});
