// A consumer registers one handler per event type: its queue is bound to exactly those types, each
// message reaches the handler of its own type with its data already checked (so typed), and a type
// it has no handler for (a binding left by an earlier version) is recorded and ignored, not retried.
import { contracts } from '@mercato/contracts';
import { eventually } from '@mercato/testing';
import t from 'tap';
import { Type } from 'typebox';
import { envelope, type OutgoingMessage, startConsumer } from '../src/index.ts';
import { drainQueue, Note, PING, PONG, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

contracts[PONG] = { 1: Type.Object({ n: Type.Integer() }) };
const STALE = 'test.stale';
contracts[STALE] = { 1: Type.Object({}) };

const asMessage = (event: { type: string }): OutgoingMessage => ({
  routingKey: event.type,
  content: Buffer.from(JSON.stringify(event)),
});

t.test('each event type reaches its own handler, typed', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const seen: string[] = [];
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.typed',
    handlers: {
      [PING]: async (event, em) => {
        // event.data is { n: number; text?: string } here: no cast.
        seen.push(`ping ${event.data.n}`);
        em.create(Note, { id: event.id, text: `ping ${event.data.n + 1}` });
      },
      [PONG]: async (event) => {
        seen.push(`pong ${event.data.n}`);
      },
    },
  });
  t.teardown(() => consumer.stop());

  const ping = envelope(PING, { n: 1 }, { source: 'test' });
  const pong = envelope(PONG, { n: 2 }, { source: 'test' });
  const other = envelope('test.unbound', { n: 3 }, { source: 'test' });
  await broker.publishConfirmed([asMessage(ping), asMessage(pong), asMessage(other)]);
  await eventually(async () => {
    if (seen.length < 2) throw new Error(`${seen.length} of 2`);
  });
  await new Promise((r) => setTimeout(r, 200));
  t.same(seen.sort(), ['ping 1', 'pong 2'], 'one call per event, by type; an unbound type never arrives');
  t.equal(
    (await orm.em.fork().findOne(Note, ping.id))?.text,
    'ping 2',
    'the handler wrote in its transaction',
  );
});

t.test('a type without a handler (stale binding) is recorded and ignored, not retried', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const seen: number[] = [];
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.stale-binding',
    retryDelaysMs: [50],
    handlers: { [PING]: async (event) => void seen.push(event.data.n) },
  });
  t.teardown(() => consumer.stop());
  // As an older version of the service would have left it: the queue also bound to another type.
  await broker.onConnected(async (conn) => {
    const ch = await conn.createChannel();
    await ch.bindQueue(`${broker.exchange}.test.stale-binding`, broker.exchange, STALE);
    await ch.close();
  });
  const stale = envelope(STALE, {}, { source: 'test' });
  const ping = envelope(PING, { n: 7 }, { source: 'test' });
  await broker.publishConfirmed([asMessage(stale), asMessage(ping)]);
  await eventually(async () => {
    if (seen.length < 1) throw new Error('ping not handled yet');
  });
  await eventually(async () => {
    const rows = await orm.em
      .fork()
      .execute(`select 1 from inbox where consumer = 'test.stale-binding' and message_id = ?`, [stale.id]);
    if (rows.length !== 1) throw new Error('stale event not recorded yet');
  });
  t.same(seen, [7]);
  t.equal((await drainQueue(`${broker.exchange}.test.stale-binding.dlq`)).length, 0, 'nothing dead-lettered');
});

t.test('a consumer without handlers is refused at start', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  await t.rejects(startConsumer({ broker, orm, name: 'test.empty', handlers: {} }), /no event handlers/);
});
