// A payments app on an isolated schema and a unique exchange, a publisher for the events it consumes,
// and a tap on the exchange that collects every event it emits. The provider is faked with nock.
import { loadConfig } from '@mercato/kit';
import { type Envelope, envelope } from '@mercato/messaging';
import {
  deleteConsumerTopology,
  isolatedSchema,
  publishEvents,
  querySchema,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  tapExchange,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import { type AppDeps, buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

export const PROVIDER = 'http://provider.test';
const RETRY_DELAYS = '200,400';

interface Tap {
  teardown(fn: () => unknown): void;
}

export async function startPayments(
  t: Tap,
  env: Record<string, string> = {},
  deps: Omit<AppDeps, 'jwks'> = {},
) {
  const schema = await isolatedSchema(t, 't_pay');
  const exchange = uniqueName('t_pay');
  const auth = await testAuth();
  const config = loadConfig(configSchema, {
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://identity.test/jwks',
    PAYMENT_PROVIDER_URL: PROVIDER,
    PAYMENT_PROVIDER_TIMEOUT_MS: '300',
    PAYMENT_PROVIDER_MAX_TRIES: '3',
    PAYMENT_RETRY_BASE_MS: '20',
    PAYMENT_WORKER_POLL_MS: '100',
    CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS,
    ...env,
  });
  const events = await tapExchange(exchange);
  const app = await buildApp(config, { ...deps, jwks: auth.jwks });
  t.teardown(async () => {
    await app.close();
    await events.close();
    await deleteConsumerTopology(
      exchange,
      ['payments.charge', 'payments.refund-on-cancel', 'payments.refund-on-return'],
      RETRY_DELAYS.split(',').map(Number),
    );
  });

  const token = (sub: string, role: 'customer' | 'admin' = 'customer') => auth.sign({ sub, role });
  const publish = (event: Envelope) => publishEvents(exchange, [event]);
  const event = <T>(type: string, data: T, correlationId?: string) =>
    envelope(type, data, { source: 'test', correlationId });
  const query = (sql: string, params: unknown[] = []) => querySchema(schema, sql, params);
  return { app, config, schema, exchange, token, publish, event, events, query };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A provider answer that comes after `ms`. (nock 15.0.6's `.delay()` sends the status at once and
 * delays only the body under Node 24's fetch, and aborting it then crashes undici with an uncaught
 * assertion; a reply callback that resolves late is a clean "no answer yet".)
 */
export const late = async (ms: number, body: object): Promise<[number, object]> => {
  await new Promise((r) => setTimeout(r, ms));
  return [201, body];
};
