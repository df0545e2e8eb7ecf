// An invoices app (or several replicas of it) on an isolated schema and a unique exchange, a publisher
// for the events it consumes, and a tap on the exchange that collects every event it emits.
import type { OrderPlaced, PaymentSucceeded } from '@mercato/contracts';
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
import { uuidv7 } from 'uuidv7';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

const RETRY_DELAYS = '200,400';
const CONSUMERS = ['invoices.order-view', 'invoices.issue'];

interface Tap {
  teardown(fn: () => unknown): void;
}

export async function startInvoices(t: Tap, env: Record<string, string> = {}, replicas = 1) {
  const schema = await isolatedSchema(t, 't_inv');
  const exchange = uniqueName('t_inv');
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
    CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS,
    ...env,
  });
  const publisher = await Broker.connect({ url: TEST_AMQP_URL, exchange });
  const events = await tapExchange(exchange);
  const apps: Awaited<ReturnType<typeof buildApp>>[] = [];
  for (let i = 0; i < replicas; i++) apps.push(await buildApp(config, { jwks: auth.jwks }));
  const app = apps[0]!;
  t.teardown(async () => {
    for (const a of apps) await a.close();
    await events.close();
    for (const name of CONSUMERS) {
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
  return { app, apps, config, schema, exchange, token, publish, event, events, query };
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

/** An order.placed payload for `userId` with two lines (2 × 10.25 + 1 × 4.50 = 25.00 EUR). */
export function orderPlaced(userId: string, opts: { revision?: number; withAddress?: boolean } = {}) {
  const orderId = uuidv7();
  return {
    orderId,
    userId,
    revision: opts.revision ?? 1,
    lines: [
      { itemId: uuidv7(), productId: uuidv7(), quantity: 2, unitPrice: { amount: '10.25', currency: 'EUR' } },
      { itemId: uuidv7(), productId: uuidv7(), quantity: 1, unitPrice: { amount: '4.50', currency: 'EUR' } },
    ],
    total: { amount: '25.00', currency: 'EUR' },
    paymentMethod: { type: 'card' as const, token: 'tok_visa' },
    shippingAddressId: uuidv7(),
    ...(opts.withAddress === false
      ? {}
      : {
          shippingAddress: {
            name: 'Ada Lovelace',
            street: '1 Analytical St',
            city: 'London',
            postalCode: 'N1',
            country: 'GB',
          },
        }),
  } satisfies OrderPlaced;
}

export function paymentSucceeded(
  order: { orderId: string; userId: string; revision: number },
  amount = '25.00',
) {
  return {
    paymentId: uuidv7(),
    orderId: order.orderId,
    userId: order.userId,
    revision: order.revision,
    amount: { amount, currency: 'EUR' },
    providerRef: `ch_${order.orderId}`,
  } satisfies PaymentSucceeded;
}
