// Commit → publish latency of the outbox relay: how long after a transaction that wrote an outbox row
// has committed the event arrives at a consumer of the exchange. Two ways of writing, as the services
// do: a transaction of the unit of work (addToOutbox, what consumers and most use cases do) and one
// autocommit statement carrying the row (outboxInsert, the orders hot path). Events are written one
// at a time with a random pause (20–120 ms) between them, so each finds the relay idle, as a quiet
// system does. Against the shared PostgreSQL and RabbitMQ, on a schema and exchange of its own.
//
//   node --import tsx bench/relay-latency.ts [EVENTS=200]
import { createOrm, dropSchema } from '@mercato/db';
import {
  addToOutbox,
  Broker,
  envelope,
  messagingEntities,
  messagingMigration,
  outboxInsert,
  startOutboxRelay,
} from '@mercato/messaging';
import { TEST_AMQP_URL, TEST_DATABASE_URL, uniqueName } from '@mercato/testing';
import amqp from 'amqplib';

const EVENTS = Number(process.argv[2] ?? 200);
const schema = uniqueName('bench_relay').slice(0, 63);
const exchange = uniqueName('bench_relay');

const orm = await createOrm({
  url: TEST_DATABASE_URL,
  schema,
  entities: [...messagingEntities],
  migrations: [messagingMigration],
});
const broker = await Broker.connect({ url: TEST_AMQP_URL, exchange });
const relay = startOutboxRelay({ orm, broker });

const conn = await amqp.connect(TEST_AMQP_URL);
const ch = await conn.createChannel();
await ch.assertExchange(exchange, 'topic', { durable: true });
const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
await ch.bindQueue(queue, exchange, '#');
const arrivals = new Map<string, (at: number) => void>();
await ch.consume(queue, (m) => m && arrivals.get(m.properties.messageId)?.(performance.now()), {
  noAck: true,
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(kind: 'transaction' | 'statement'): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    await pause(20 + Math.random() * 100);
    const event = envelope('bench.ping', { n: i }, { source: 'bench' });
    const arrived = new Promise<number>((resolve) => arrivals.set(event.id, resolve));
    const em = orm.em.fork();
    if (kind === 'transaction') {
      await em.transactional(async (tx) => addToOutbox(tx, event));
    } else {
      const { sql, params } = outboxInsert(em, [event]);
      await em.execute(sql, params);
    }
    const committed = performance.now();
    out.push((await arrived) - committed);
    arrivals.delete(event.id);
  }
  return out.sort((a, b) => a - b);
}

try {
  await pause(500); // the relay's first look
  for (const kind of ['transaction', 'statement'] as const) {
    const ms = await measure(kind);
    const f = (x: number) => x.toFixed(1);
    console.log(
      `${kind.padEnd(11)} commit→received over ${ms.length} events: p50 ${f(percentile(ms, 50))} ms, ` +
        `p99 ${f(percentile(ms, 99))} ms, max ${f(ms[ms.length - 1]!)} ms`,
    );
  }
} finally {
  await relay.stop();
  await conn.close().catch(() => {});
  await broker.deleteTopology().catch(() => {});
  await broker.close();
  await orm.close(true);
  await dropSchema(TEST_DATABASE_URL, schema);
}
