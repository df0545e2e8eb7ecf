// The happy path end to end: a state change and its event commit together, the relay publishes the
// event, a consumer handles it once in its own transaction, and a rolled-back change publishes nothing.

import { contracts } from '@mercato/contracts';
import { eventually } from '@mercato/testing';
import t from 'tap';
import { Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { addToOutbox, type Envelope, envelope, startConsumer, startOutboxRelay } from '../src/index.ts';
import { Note, PING, PONG, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

t.test('an event committed with its state change reaches the consumer once', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const seen: Envelope[] = [];
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.notes',
    handlers: {
      [PING]: async (event, em) => {
        seen.push(event);
        em.create(Note, { id: event.id, text: `handled ${event.data.n}` });
      },
    },
  });
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 200 });
  t.teardown(async () => {
    await relay.stop();
    await consumer.stop();
  });

  const event = envelope(PING, { n: 1 }, { source: 'test', correlationId: uuidv7() });
  await orm.em.fork().transactional(async (em) => {
    em.create(Note, { id: uuidv7(), text: 'the state change' });
    await addToOutbox(em, event);
  });

  await eventually(async () => {
    const handled = await orm.em.fork().findOne(Note, event.id);
    if (!handled) throw new Error('not handled yet');
  });
  t.equal(seen.length, 1);
  t.same(seen[0], event, 'the envelope arrives as written');
  const [row] = await orm.em.fork().execute(`select sent_at from outbox where id = ?`, [event.id]);
  t.ok(row.sent_at, 'the outbox row is marked sent');
});

t.test('a rolled-back transaction publishes nothing', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const seen: Envelope[] = [];
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.rollback',
    handlers: {
      [PING]: async (event) => {
        seen.push(event);
      },
    },
  });
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 100 });
  t.teardown(async () => {
    await relay.stop();
    await consumer.stop();
  });

  await t.rejects(
    orm.em.fork().transactional(async (em) => {
      em.create(Note, { id: uuidv7(), text: 'doomed' });
      await addToOutbox(em, envelope(PING, { n: 1 }, { source: 'test' }));
      await em.flush();
      throw new Error('business rule says no');
    }),
    /business rule says no/,
  );
  // A marker committed afterwards: once it has arrived, anything the rollback had sent would have too.
  const marker = envelope(PING, { n: 2 }, { source: 'test' });
  await orm.em.fork().transactional(async (em) => addToOutbox(em, marker));
  await eventually(async () => {
    if (!seen.some((e) => e.id === marker.id)) throw new Error('marker not seen yet');
  });
  t.same(
    seen.map((e) => (e.data as any).n),
    [2],
    'only the committed event was published',
  );
  const rows = await orm.em.fork().execute('select count(*)::int as n from outbox');
  t.equal(rows[0].n, 1, 'the rolled-back row does not exist');
  t.equal(await orm.em.fork().count(Note), 0, 'nor does the rolled-back state change');
});

t.test('events a handler emits commit with its effect (and vanish with its failure)', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  contracts[PONG] = { 1: Type.Object({ n: Type.Integer() }) };
  let failFirst = true;
  const pings = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.ping-to-pong',
    retryDelaysMs: [50],
    handlers: {
      [PING]: async (event, em) => {
        const n = event.data.n;
        em.create(Note, { id: event.id, text: 'ping handled' });
        await addToOutbox(
          em,
          envelope(
            PONG,
            { n },
            { source: 'test', correlationId: event.correlationId, causationId: event.id },
          ),
        );
        if (failFirst) {
          failFirst = false;
          throw new Error('fails after emitting');
        }
      },
    },
  });
  const pongs: Envelope[] = [];
  const pongConsumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.pongs',
    handlers: {
      [PONG]: async (event) => {
        pongs.push(event);
      },
    },
  });
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 100 });
  t.teardown(async () => {
    await relay.stop();
    await pings.stop();
    await pongConsumer.stop();
  });
  const ping = envelope(PING, { n: 7 }, { source: 'test', correlationId: uuidv7() });
  await orm.em.fork().transactional(async (em) => addToOutbox(em, ping));
  await eventually(async () => {
    if (pongs.length === 0) throw new Error('no pong yet');
  });
  await new Promise((r) => setTimeout(r, 300));
  t.equal(pongs.length, 1, 'the failed attempt emitted nothing');
  t.match(pongs[0], { type: PONG, data: { n: 7 }, correlationId: ping.correlationId, causationId: ping.id });
});
