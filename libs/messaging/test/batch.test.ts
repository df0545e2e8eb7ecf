// A consumer with `batchSize`: messages that wait while a batch is handled go together, in one
// transaction; a message whose handler fails does not take the others of its batch down with it.
import { eventually } from '@mercato/testing';
import t from 'tap';
import { envelope, HEADERS, type OutgoingMessage, startConsumer } from '../src/index.ts';
import { drainQueue, header, Note, PING, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

const asMessage = (event: object): OutgoingMessage => ({
  routingKey: PING,
  content: Buffer.from(JSON.stringify(event)),
});

const notes = async (orm: Awaited<ReturnType<typeof setupOrm>>['orm']) =>
  (await orm.em.fork().execute<{ id: string; text: string }[]>('select id, text from note order by id')).map(
    (r) => r.text,
  );

t.test('messages waiting for the consumer are handled together, once each', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  // Which transaction handled each message: batching shows as fewer transactions than messages.
  const txOf = new Map<number, string>();
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.batched',
    batchSize: 10,
    handlers: {
      [PING]: async (event, em) => {
        // The first message holds the consumer until all the others have been delivered to it.
        if (event.data.n === 0) await gate;
        const [{ tx }] = await em.execute<{ tx: string }[]>('select txid_current()::text as tx');
        txOf.set(event.data.n, tx);
        em.create(Note, { id: event.id, text: String(event.data.n) });
      },
    },
  });
  t.teardown(() => consumer.stop());

  const events = Array.from({ length: 21 }, (_, n) => envelope(PING, { n }, { source: 'test' }));
  await broker.publishConfirmed([asMessage(events[0]!)]);
  await new Promise((r) => setTimeout(r, 100)); // the first is in hand, alone
  // Twenty more, and one of them twice (a redelivery within a batch).
  await broker.publishConfirmed([...events.slice(1).map(asMessage), asMessage(events[5]!)]);
  await new Promise((r) => setTimeout(r, 200)); // delivered (prefetch ≥ batch size), waiting
  release();

  await eventually(async () => {
    if ((await notes(orm)).length < 21) throw new Error('not all handled yet');
  });
  await new Promise((r) => setTimeout(r, 200)); // a straggling second copy would have committed
  const handled = (await notes(orm)).map(Number).sort((a, b) => a - b);
  t.same(
    handled,
    events.map((_, n) => n),
    'every message handled once, the duplicate not twice',
  );

  const transactions = new Set(txOf.values());
  t.equal(transactions.size, 3, 'the first alone, then the twenty waiting ones in two batches of ten');
  t.not(txOf.get(0), txOf.get(1), 'the first message did not wait for a batch to fill');
  const inbox = await orm.em.fork().execute<{ n: string }[]>('select count(*)::text as n from inbox');
  t.equal(inbox[0]!.n, '21', 'one inbox row per message');
});

t.test('a failing message is retried on its own; the rest of its batch commits once', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const attempts = new Map<number, number>();
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.batched-failure',
    batchSize: 10,
    retryDelaysMs: [], // no retry queue: a message that fails on its own is dead-lettered
    handlers: {
      [PING]: async (event, em) => {
        if (event.data.n === 0) await gate;
        attempts.set(event.data.n, (attempts.get(event.data.n) ?? 0) + 1);
        em.create(Note, { id: event.id, text: String(event.data.n) });
        if (event.data.text === 'poison') throw new Error('this one is bad');
      },
    },
  });
  t.teardown(() => consumer.stop());

  const first = envelope(PING, { n: 0 }, { source: 'test' });
  const batch = [1, 2, 3, 4, 5].map((n) =>
    envelope(PING, n === 3 ? { n, text: 'poison' } : { n }, { source: 'test' }),
  );
  await broker.publishConfirmed([asMessage(first)]);
  await new Promise((r) => setTimeout(r, 100));
  await broker.publishConfirmed(batch.map(asMessage));
  await new Promise((r) => setTimeout(r, 200));
  release();

  const dead = await eventually(async () => {
    const msgs = await drainQueue(`${broker.exchange}.test.batched-failure.dlq`);
    if (msgs.length < 1) throw new Error('not dead-lettered yet');
    return msgs;
  });
  t.equal(dead.length, 1, 'only the failing message is dead-lettered');
  t.equal(JSON.parse(dead[0]!.content.toString()).id, batch[2]!.id);
  t.match(String(header(dead[0]!, HEADERS.deadReason)), /this one is bad/);
  await eventually(async () => {
    if ((await notes(orm)).length < 5) throw new Error('not all handled yet');
  });
  t.same((await notes(orm)).map(Number).sort(), [0, 1, 2, 4, 5], 'the others committed, once each');
  t.ok((attempts.get(1) ?? 0) >= 2, 'the batch ran, failed and its messages were handled again alone');
});
