// Several relays share one outbox (replicas): SKIP LOCKED lets each claim different rows, and every
// row is published exactly once. Also reports the relay's throughput here.
import { eventually, TEST_AMQP_URL } from '@mercato/testing';
import amqp from 'amqplib';
import t from 'tap';
import { addToOutbox, envelope, startConsumer, startOutboxRelay } from '../src/index.ts';
import { Note, PING, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

/** A throw-away queue bound to everything on the exchange, recording message ids in arrival order. */
async function tap(exchange: string) {
  const conn = await amqp.connect(TEST_AMQP_URL);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, exchange, '#');
  const ids: string[] = [];
  await ch.consume(queue, (m) => m && ids.push(m.properties.messageId), { noAck: true });
  return { ids, close: () => conn.close() };
}

async function fillOutbox(orm: Awaited<ReturnType<typeof setupOrm>>['orm'], n: number, perTx = 250) {
  const ids: string[] = [];
  for (let i = 0; i < n; i += perTx) {
    await orm.em.fork().transactional(async (em) => {
      for (let j = i; j < Math.min(n, i + perTx); j++) {
        const e = envelope(PING, { n: j }, { source: 'test' });
        ids.push(e.id);
        await addToOutbox(em, e);
      }
    });
  }
  return ids;
}

t.test('two relays on one outbox publish every row exactly once', async (t) => {
  const { orm } = await setupOrm(t);
  const broker1 = await setupBroker(t);
  const broker2 = await setupBroker(t, { exchange: broker1.exchange });
  const received = await tap(broker1.exchange);
  t.teardown(received.close);

  const N = 3000;
  const written = await fillOutbox(orm, N);
  const relays = [
    startOutboxRelay({ orm, broker: broker1, batchSize: 50, pollIntervalMs: 50 }),
    startOutboxRelay({ orm, broker: broker2, batchSize: 50, pollIntervalMs: 50 }),
  ];
  t.teardown(() => Promise.all(relays.map((r) => r.stop())));
  // Rows keep arriving while both relays run, too.
  written.push(...(await fillOutbox(orm, 500, 10)));

  await eventually(
    async () => {
      if (received.ids.length < written.length) throw new Error(`${received.ids.length}/${written.length}`);
    },
    { timeoutMs: 30_000 },
  );
  await new Promise((r) => setTimeout(r, 300)); // a duplicate would show up now
  t.equal(received.ids.length, written.length, 'as many messages as rows');
  t.equal(new Set(received.ids).size, written.length, 'no row published twice');
  t.same(new Set(received.ids), new Set(written), 'every row published');
  const [left] = await orm.em.fork().execute('select count(*)::int as n from outbox where sent_at is null');
  t.equal(left.n, 0, 'every row marked sent');
});

t.test('relay throughput', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const received = await tap(broker.exchange);
  t.teardown(received.close);
  const N = 10_000;
  await fillOutbox(orm, N, 1000);
  const started = Date.now();
  const relay = startOutboxRelay({ orm, broker });
  t.teardown(() => relay.stop());
  await eventually(
    async () => {
      if (received.ids.length < N) throw new Error(`${received.ids.length}/${N}`);
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
  const perSecond = Math.round(N / ((Date.now() - started) / 1000));
  t.comment(
    `relay published ${N} outbox rows at ~${perSecond} msg/s (batch 500, publisher confirms per batch)`,
  );
  // A rate, printed not asserted (tests never assert times; a loaded machine halves it).
  t.equal(new Set(received.ids).size, N, 'every row published once');
});

t.test('consumer throughput (inbox + one insert per message)', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  let handled = 0;
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.fast',
    handlers: {
      [PING]: async (event, em) => {
        em.create(Note, { id: event.id, text: 'x' });
        handled++;
      },
    },
  });
  t.teardown(() => consumer.stop());
  const N = 3000;
  const messages = Array.from({ length: N }, (_, n) => ({
    routingKey: PING,
    content: Buffer.from(JSON.stringify(envelope(PING, { n }, { source: 'test' }))),
  }));
  const started = Date.now();
  await broker.publishConfirmed(messages);
  await eventually(
    async () => {
      if (handled < N) throw new Error(`${handled}/${N}`);
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
  const perSecond = Math.round(N / ((Date.now() - started) / 1000));
  t.comment(`consumer handled ${N} messages at ~${perSecond} msg/s (prefetch 20, one transaction each)`);
  // `handled` counts before the commit: the rows are there a moment later.
  const rows = await eventually(async () => {
    const [notes] = await orm.em.fork().execute('select count(*)::int as n from note');
    if (notes.n < N) throw new Error(`${notes.n}/${N} rows`);
    return notes.n;
  });
  t.equal(rows, N, 'one row per message');
});
