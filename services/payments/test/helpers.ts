// A payments app on an isolated schema and a unique exchange, a publisher for the events it consumes,
// and a tap on the exchange that collects every event it emits. The provider is faked with nock.
import { loadConfig } from '@mercato/kit';
import { Broker, consumerTopology, type Envelope, envelope } from '@mercato/messaging';
import {
  eventually,
  isolatedSchema,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import amqp from 'amqplib';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

export const PROVIDER = 'http://provider.test';
const RETRY_DELAYS = '200,400';

interface Tap {
  teardown(fn: () => unknown): void;
}

export async function startPayments(t: Tap, env: Record<string, string> = {}) {
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
  const publisher = await Broker.connect({ url: TEST_AMQP_URL, exchange });
  const events = await tapExchange(exchange);
  const app = await buildApp(config, { jwks: auth.jwks });
  t.teardown(async () => {
    await app.close();
    await events.close();
    for (const name of ['payments.charge', 'payments.refund-on-cancel']) {
      const topo = consumerTopology(exchange, name, RETRY_DELAYS.split(',').map(Number));
      publisher.trackQueues([topo.queue, topo.dlq, ...topo.retryQueues.map((q) => q.name)]);
    }
    await publisher.deleteTopology();
    await publisher.close();
  });

  const token = (sub: string, role: 'customer' | 'admin' = 'customer') => auth.sign({ sub, role });
  const publish = async (event: Envelope) =>
    publisher.publishConfirmed([
      {
        routingKey: event.type,
        content: Buffer.from(JSON.stringify(event)),
        options: { messageId: event.id },
      },
    ]);
  const event = <T>(type: string, data: T, correlationId?: string) =>
    envelope(type, data, { source: 'test', correlationId });
  const query = (sql: string, params: unknown[] = []) => runSql(schema, sql, params);
  return { app, config, schema, exchange, token, publish, event, events, query };
}

async function runSql(schema: string, sql: string, params: unknown[]) {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`set search_path to "${schema}"`);
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Every event published on `exchange` from now on, in arrival order. */
export async function tapExchange(exchange: string) {
  const conn = await amqp.connect(TEST_AMQP_URL);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, exchange, '#');
  const received: Envelope<any>[] = [];
  await ch.consume(
    queue,
    (msg) => {
      if (msg) received.push(JSON.parse(msg.content.toString('utf8')));
    },
    { noAck: true },
  );
  return {
    received,
    of: (type: string, orderId?: string) =>
      received.filter((e) => e.type === type && (orderId === undefined || e.data.orderId === orderId)),
    /** Waits until `count` events of `type` (for the order) arrived; returns them. */
    async waitFor(type: string, orderId?: string, count = 1) {
      return eventually(
        async () => {
          const found = received.filter(
            (e) => e.type === type && (orderId === undefined || e.data.orderId === orderId),
          );
          if (found.length < count) throw new Error(`waiting for ${count} ${type}, have ${found.length}`);
          return found;
        },
        { timeoutMs: 15_000 },
      );
    },
    close: () => conn.close(),
  };
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
