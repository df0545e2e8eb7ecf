// At-least-once delivery: the same message delivered twice (concurrently or one after the other)
// has one effect, because its id is recorded in the inbox in the handler's transaction.

import { eventually } from '@mercato/testing';
import t from 'tap';
import { claimInbox, envelope, type OutgoingMessage, startConsumer } from '../src/index.ts';
import { Note, PING, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

const asMessage = (event: object, routingKey = PING): OutgoingMessage => ({
  routingKey,
  content: Buffer.from(JSON.stringify(event)),
});

t.test('the same message delivered twice has one effect', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  let calls = 0;
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.idempotent',
    prefetch: 10,
    handlers: {
      [PING]: async (event, em) => {
        calls++;
        // Slow enough that two copies are in flight at once.
        await new Promise((r) => setTimeout(r, 100));
        em.create(Note, { id: `${event.id}:${calls}`, text: event.id });
      },
    },
  });
  t.teardown(() => consumer.stop());

  const event = envelope(PING, { n: 1 }, { source: 'test' });
  await broker.publishConfirmed([asMessage(event), asMessage(event)]); // concurrent copies
  await eventually(async () => {
    if ((await orm.em.fork().count(Note, { text: event.id })) < 1) throw new Error('not yet');
  });
  // Redelivered later, after the first one committed.
  await broker.publishConfirmed([asMessage(event)]);
  const marker = envelope(PING, { n: 2 }, { source: 'test' });
  await broker.publishConfirmed([asMessage(marker)]);
  await eventually(async () => {
    if ((await orm.em.fork().count(Note, { text: marker.id })) < 1) throw new Error('marker not yet');
  });
  await new Promise((r) => setTimeout(r, 300)); // any straggler copy would have committed by now

  t.equal(await orm.em.fork().count(Note, { text: event.id }), 1, 'one effect for three deliveries');
  const inbox = await orm.em
    .fork()
    .execute('select consumer, message_id from inbox where message_id = ?', [event.id]);
  t.same(inbox, [{ consumer: 'test.idempotent', message_id: event.id }], 'one inbox row for the consumer');
});

t.test('the inbox is per consumer: two consumers of one event each handle it once', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const stops: (() => Promise<void>)[] = [];
  for (const name of ['test.a', 'test.b']) {
    const c = await startConsumer<TestEvents>({
      broker,
      orm,
      name,
      handlers: {
        [PING]: async (event, em) => {
          em.create(Note, { id: `${name}:${event.id}`, text: event.id });
        },
      },
    });
    stops.push(c.stop);
  }
  t.teardown(() => Promise.all(stops.map((s) => s())));
  const event = envelope(PING, { n: 1 }, { source: 'test' });
  await broker.publishConfirmed([asMessage(event), asMessage(event)]);
  await eventually(async () => {
    if ((await orm.em.fork().count(Note, { text: event.id })) < 2) throw new Error('not yet');
  });
  await new Promise((r) => setTimeout(r, 300));
  t.equal(await orm.em.fork().count(Note, { text: event.id }), 2);
});

t.test('the inbox claim, written without parameters: a quote in a consumer name is data', async (t) => {
  const { orm } = await setupOrm(t);
  const id = envelope(PING, { n: 3 }, { source: 'test' }).id;
  const name = "o'brien'); delete from inbox; --";
  const claim = (consumer: string, messageId: string) =>
    orm.em.fork().transactional((em) => claimInbox(em, consumer, messageId));
  t.equal(await claim('test.other', id), true);
  t.equal(await claim(name, id), true, 'a new claim for that consumer');
  t.equal(await claim(name, id), false, 'and only once');
  const rows = await orm.em
    .fork()
    .execute('select consumer from inbox where message_id = ? order by consumer', [id]);
  t.same(
    rows,
    [{ consumer: name }, { consumer: 'test.other' }],
    'the name stored as written; nothing deleted',
  );
  await t.rejects(
    claim('test.other', 'not-a-uuid'),
    /uuid/,
    'an id that is no uuid goes as a parameter and is refused by the column',
  );
});
