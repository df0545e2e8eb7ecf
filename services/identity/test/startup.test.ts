import { createOrm } from '@mercato/db';
import { ConfigError, createService, loadConfig } from '@mercato/kit';
import { isolatedSchema, TEST_AMQP_URL, TEST_DATABASE_URL, TEST_REDIS_URL } from '@mercato/testing';
import t from 'tap';
import { Type } from 'typebox';
import { migrations } from '../migrations/index.ts';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { generatePem } from '../src/domain/signing-key.ts';
import { entities } from '../src/persistence/entities.ts';
import { developmentKeyPem } from '../src/persistence/signing-keys.ts';
import { ADMIN_PASSWORD, startIdentity } from './helpers.ts';

const baseEnv = {
  DATABASE_URL: TEST_DATABASE_URL,
  AMQP_URL: TEST_AMQP_URL,
  REDIS_URL: TEST_REDIS_URL,
  LOG_LEVEL: 'silent',
};

t.test('config: defaults, and one line naming a bad variable', async (t) => {
  const config = loadConfig(configSchema, baseEnv);
  t.match(config, {
    PORT: 3001,
    DATABASE_SCHEMA: 'identity',
    MERCATO_ADMIN_EMAIL: 'admin@mercato.local',
    ACCESS_TOKEN_TTL_SECONDS: 900,
    REFRESH_TOKEN_TTL_SECONDS: 604800,
  });
  t.throws(() => loadConfig(configSchema, { ...baseEnv, DATABASE_URL: '' }), ConfigError);
  t.throws(() => loadConfig(configSchema, { ...baseEnv, PORT: 'abc' }), /PORT/);
});

t.test('production refuses a generated key and the default admin password', async (t) => {
  const schema = await isolatedSchema(t, 't_idn');
  const prod = loadConfig(configSchema, { ...baseEnv, NODE_ENV: 'production', DATABASE_SCHEMA: schema });
  await t.rejects(buildApp(prod), /MERCATO_ADMIN_PASSWORD/);
  await t.rejects(buildApp({ ...prod, MERCATO_ADMIN_PASSWORD: 'Some-Real-Secret-1' }), /JWT_PRIVATE_KEY/);
  await t.rejects(
    buildApp({ ...prod, MERCATO_ADMIN_PASSWORD: 'Some-Real-Secret-1', JWT_PRIVATE_KEY: 'garbage' }),
    /PKCS8/,
  );
});

t.test('listens, is ready, documents its routes; the first admin is created once', async (t) => {
  const s = await startIdentity(t);
  const address = await s.app.listen({ port: 0, host: '127.0.0.1' });
  const ready = await fetch(`${address}/readyz`);
  t.equal(ready.status, 200);
  const body = await ready.json();
  t.match(body, { checks: { postgres: 'ok', rabbitmq: 'ok' } });
  t.notMatch(body, { checks: { redis: String } }, 'Redis, a cache, is not a readiness check');
  const doc = (await (await fetch(`${address}/docs/json`)).json()) as { paths: Record<string, unknown> };
  for (const path of [
    '/auth/register',
    '/auth/login',
    '/auth/refresh',
    '/auth/logout',
    '/auth/me',
    '/auth/password-reset',
    '/auth/password-reset/confirm',
    '/auth/verify',
    '/auth/verify/resend',
    '/auth/.well-known/jwks.json',
    '/users',
    '/users/{id}',
    '/addresses',
    '/addresses/{id}',
  ])
    t.ok(doc.paths[path], `OpenAPI has ${path}`);

  const admins = await s.sql<{ role: string }>('select role from app_user where email = ?', [s.adminEmail]);
  t.same(admins, [{ role: 'admin' }]);
  t.equal((await s.outboxEvents('user.registered')).filter((e) => e.data.email === s.adminEmail).length, 1);
  // A second replica on the same schema finds the admin and creates nothing.
  const again = await buildApp({ ...s.config, AMQP_EXCHANGE: s.exchange });
  await again.close();
  t.equal((await s.sql('select id from app_user where email = ?', [s.adminEmail])).length, 1);
  const tokens = await s.login(s.adminEmail, ADMIN_PASSWORD);
  t.ok(tokens.accessToken);
});

t.test(
  'another service, verifying with the kit against identity’s JWKS URL, accepts its tokens until logout',
  async (t) => {
    const s = await startIdentity(t);
    const address = await s.app.listen({ port: 0, host: '127.0.0.1' });
    const other = await createService({
      name: 'other',
      logLevel: 'silent',
      auth: { jwksUrl: `${address}/auth/.well-known/jwks.json`, redis: s.app.redis },
    });
    other.get(
      '/whoami',
      {
        preHandler: other.authenticate,
        schema: { response: { 200: Type.Object({}, { additionalProperties: true }) } },
      },
      async (request) => request.user,
    );
    t.teardown(() => other.close());
    const c = await s.customer();
    const before = await other.inject({
      method: 'GET',
      url: '/whoami',
      headers: { authorization: `Bearer ${c.accessToken}` },
    });
    t.equal(before.statusCode, 200);
    t.match(before.json(), { sub: c.id, role: 'customer', jti: String, email: c.email });
    await s.inject({ method: 'POST', url: '/auth/logout', token: c.accessToken });
    const after = await other.inject({
      method: 'GET',
      url: '/whoami',
      headers: { authorization: `Bearer ${c.accessToken}` },
    });
    t.equal(after.statusCode, 401, 'the deny-list entry is honoured elsewhere at once');
  },
);

t.test(
  'without JWT_PRIVATE_KEY the development key lives in the database: restarts and replicas share it',
  async (t) => {
    const s = await startIdentity(t);
    const c = await s.customer();
    // A second build on the same schema: a restart, or a second replica.
    const other = await buildApp({ ...s.config, AMQP_EXCHANGE: s.exchange });
    t.teardown(() => other.close());
    const me = await other.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: `Bearer ${c.accessToken}` },
    });
    t.equal(me.statusCode, 200, 'a token of the first is good at the second');
    const tokens = (
      await other.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: c.email, password: c.password },
      })
    ).json();
    t.equal(
      (await s.inject({ method: 'GET', url: '/auth/me', token: tokens.accessToken })).statusCode,
      200,
      'and the other way round',
    );
    t.same(other.signingKey.jwks, s.app.signingKey.jwks, 'one key set');
    t.equal((await s.sql('select name from signing_key')).length, 1);
  },
);

t.test('two replicas making the development key at once agree on one', async (t) => {
  const schema = await isolatedSchema(t, 't_idn');
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities, migrations });
  t.teardown(() => orm.close(true));
  const pems = await Promise.all([0, 1, 2].map(() => developmentKeyPem(orm.em.fork(), generatePem)));
  t.equal(new Set(pems).size, 1, 'every caller reads the one stored key');
  t.match(pems[0], /BEGIN PRIVATE KEY/);
});
