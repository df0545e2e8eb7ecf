// What a test needs to watch a service's events and read its tables from outside: a tap on the
// exchange (a queue of the test's own, so the service's consumers are untouched) and SQL in the
// service's isolated schema.
import { consumerTopology, type Envelope } from '@mercato/messaging';
import amqp from 'amqplib';
import pg from 'pg';
import { eventually, TEST_AMQP_URL, TEST_DATABASE_URL } from './infra.ts';

export interface TappedMessage {
  routingKey: string;
  envelope: Envelope<any>;
  headers: Record<string, unknown>;
}

const ofOrder = (e: Envelope<any>, type: string, orderId?: string) =>
  e.type === type && (orderId === undefined || e.data?.orderId === orderId);

/**
 * Every event published on `exchange` (matching `pattern`) from now on, in arrival order.
 * Close it, or pass a tap test to close it at teardown.
 */
export async function tapExchange(
  exchange: string,
  opts: { pattern?: string; t?: { teardown(fn: () => unknown): void } } = {},
) {
  const conn = await amqp.connect(TEST_AMQP_URL);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, exchange, opts.pattern ?? '#');
  const messages: TappedMessage[] = [];
  const received: Envelope<any>[] = [];
  await ch.consume(
    queue,
    (msg) => {
      if (!msg) return;
      const envelope = JSON.parse(msg.content.toString('utf8'));
      received.push(envelope);
      messages.push({ routingKey: msg.fields.routingKey, envelope, headers: msg.properties.headers ?? {} });
    },
    { noAck: true },
  );
  const close = () => conn.close().catch(() => {});
  opts.t?.teardown(close);
  return {
    received,
    messages,
    of: <T = any>(type: string, orderId?: string) =>
      received.filter((e) => ofOrder(e, type, orderId)) as Envelope<T>[],
    /** Waits until `count` events of `type` (for the order) arrived; returns them. */
    waitFor: <T = any>(type: string, orderId?: string, count = 1) =>
      eventually(
        async () => {
          const found = received.filter((e) => ofOrder(e, type, orderId));
          if (found.length < count) throw new Error(`waiting for ${count} ${type}, have ${found.length}`);
          return found as Envelope<T>[];
        },
        { timeoutMs: 15_000 },
      ),
    close,
  };
}

export type ExchangeTap = Awaited<ReturnType<typeof tapExchange>>;

/** Runs `sql` with `schema` first on the search path; returns the rows. */
export async function querySchema<R = any>(schema: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`set search_path to "${schema}"`);
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Publishes `events` on `exchange` the way another service would (persistent, confirmed). */
export async function publishEvents(exchange: string, events: Envelope<any>[]): Promise<void> {
  const conn = await amqp.connect(TEST_AMQP_URL);
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange(exchange, 'topic', { durable: true });
    for (const event of events) {
      ch.publish(exchange, event.type, Buffer.from(JSON.stringify(event)), {
        persistent: true,
        contentType: 'application/json',
        messageId: event.id,
      });
    }
    await ch.waitForConfirms();
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** Deletes `exchange` and every queue the named consumers declared on it (work, retry, dead-letter). */
export async function deleteConsumerTopology(
  exchange: string,
  consumers: readonly string[],
  retryDelaysMs: readonly number[],
  extraQueues: readonly string[] = [],
): Promise<void> {
  const conn = await amqp.connect(TEST_AMQP_URL);
  try {
    const ch = await conn.createChannel();
    const queues = new Set(extraQueues);
    for (const name of consumers) {
      const topo = consumerTopology(exchange, name, [...retryDelaysMs]);
      for (const q of [topo.queue, topo.dlq, ...topo.retryQueues.map((r) => r.name)]) queues.add(q);
    }
    for (const q of queues) await ch.deleteQueue(q);
    await ch.deleteExchange(exchange);
    await ch.close();
  } finally {
    await conn.close();
  }
}
