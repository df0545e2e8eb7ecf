import { ConfigError, loadConfig } from '@mercato/kit';
import t from 'tap';
import { configSchema } from '../src/config.ts';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWKS_URL: 'http://identity:8080/auth/.well-known/jwks.json',
};

t.test(
  'defaults: port 3005, schema orders, a 15 minute pending timeout, a 10 minute retry window',
  async (t) => {
    t.match(loadConfig(configSchema, required), {
      PORT: 3005,
      DATABASE_SCHEMA: 'orders',
      AMQP_EXCHANGE: 'mercato',
      ORDER_PENDING_TIMEOUT_MS: 900_000,
      ORDER_SWEEP_INTERVAL_MS: 30_000,
      PAYMENT_RETRY_WINDOW_MS: 600_000,
      // identity locally (npm start); Kubernetes and the system tests set it.
      IDENTITY_URL: 'http://127.0.0.1:3001',
      IDENTITY_TIMEOUT_MS: 2000,
      // shipping locally, for the quote of an order with a shipping line.
      SHIPPING_URL: 'http://127.0.0.1:3009',
      SHIPPING_TIMEOUT_MS: 2000,
    });
    t.match(loadConfig(configSchema, { ...required, ORDER_PENDING_TIMEOUT_MS: '2000' }), {
      ORDER_PENDING_TIMEOUT_MS: 2000,
    });
  },
);

t.test('a bad or missing variable is one line naming it', async (t) => {
  t.throws(() => loadConfig(configSchema, { ...required, ORDER_PENDING_TIMEOUT_MS: 'soon' }), {
    name: 'ConfigError',
    message: /ORDER_PENDING_TIMEOUT_MS/,
  });
  t.throws(() => loadConfig(configSchema, { ...required, ORDER_PENDING_TIMEOUT_MS: '0' }), ConfigError);
  t.match(loadConfig(configSchema, { ...required, PAYMENT_RETRY_WINDOW_MS: '0' }), {
    PAYMENT_RETRY_WINDOW_MS: 0,
  });
  for (const bad of ['-1', 'ten minutes'])
    t.throws(() => loadConfig(configSchema, { ...required, PAYMENT_RETRY_WINDOW_MS: bad }), {
      name: 'ConfigError',
      message: /PAYMENT_RETRY_WINDOW_MS/,
    });
  const { DATABASE_URL: _, ...withoutDb } = required;
  t.throws(() => loadConfig(configSchema, withoutDb), { message: /DATABASE_URL/ });
});
