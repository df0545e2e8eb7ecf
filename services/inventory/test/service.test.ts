import { ConfigError } from '@mercato/kit';
import t from 'tap';
import { configFromEnv } from '../src/config.ts';
import { setup } from './helpers.ts';

const env = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWKS_URL: 'http://identity:8080/auth/.well-known/jwks.json',
};

t.test('config: defaults for a local run, one line naming a bad variable', async (t) => {
  t.match(configFromEnv(env), {
    PORT: 3003,
    DATABASE_SCHEMA: 'inventory',
    AMQP_EXCHANGE: 'mercato',
    STOCK_CACHE_TTL_SECONDS: 5,
  });
  t.throws(() => configFromEnv({ ...env, PORT: 'http' }), new ConfigError('config: PORT must be integer'));
  t.throws(() => configFromEnv({ ...env, DATABASE_SCHEMA: 'Inventory; drop' }), ConfigError);
  t.throws(() => configFromEnv({ ...env, REDIS_URL: '' }), /REDIS_URL/);
});

t.test('OpenAPI documents every route with its security', async (t) => {
  const h = await setup(t, { messaging: false });
  const doc = (await h.app.inject({ url: '/docs/json' })).json();
  // One template per path (GET /stocks/{id} takes a product id), no trailing slashes.
  t.same(Object.keys(doc.paths).sort(), ['/stocks', '/stocks/{id}', '/stores', '/stores/{id}']);
  t.same(Object.keys(doc.paths['/stocks/{id}']).sort(), ['get', 'patch', 'put']);
  for (const [path, methods] of Object.entries<Record<string, { security?: unknown }>>(doc.paths))
    for (const [method, op] of Object.entries(methods)) {
      const operation = `${method.toUpperCase()} ${path}`;
      // A product's level is public (what a shop window shows); everything else needs a token.
      if (operation === 'GET /stocks/{id}') {
        t.same(op.security, [{}], `${operation} is public`);
        t.equal((op as Record<string, unknown>)['x-mercato-access'], 'public');
      } else t.same(op.security, [{ bearerAuth: [] }], `${operation} declares bearer auth`);
    }
  t.equal((await h.app.inject({ url: '/readyz' })).statusCode, 200);
});
