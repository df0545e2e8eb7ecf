// Messages that fail their contract, or are not even JSON, go to the DLQ with the reason in a header;
// the consumer does not crash and handles the next message.
import { eventually } from '@mercato/testing';
import t from 'tap';
import { envelope, HEADERS, type Logger, startConsumer } from '../src/index.ts';
import { drainQueue, header, PING, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

t.test('a message that fails its schema is dead-lettered and the consumer goes on', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const logged: { obj: any; msg?: string }[] = [];
  const logger: Logger = {
    info() {},
    warn() {},
    error: (obj: any, msg?: string) => logged.push({ obj, msg }),
  };
  const handled: string[] = [];
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    logger,
    name: 'test.strict',
    prefetch: 1, // in order, so "the next one" is really next
    handlers: {
      [PING]: async (event) => {
        handled.push(event.id);
      },
    },
  });
  t.teardown(() => consumer.stop());

  const wrongData = envelope(PING, { n: 'not a number' }, { source: 'test' });
  const unknownVersion = envelope(PING, { n: 1 }, { source: 'test', version: 99 });
  const noId = { ...envelope(PING, { n: 1 }, { source: 'test' }), id: undefined };
  const good = envelope(PING, { n: 2 }, { source: 'test' });
  await broker.publishConfirmed(
    [wrongData, '{ this is not json', unknownVersion, noId, good].map((m) => ({
      routingKey: PING,
      content: Buffer.from(typeof m === 'string' ? m : JSON.stringify(m)),
    })),
  );
  await eventually(async () => {
    if (!handled.includes(good.id)) throw new Error('good message not handled yet');
  });
  t.same(handled, [good.id], 'only the valid message reached the handler');

  const dead = await eventually(async () => {
    const msgs = await drainQueue(`${broker.exchange}.test.strict.dlq`);
    if (msgs.length < 4) throw new Error(`only ${msgs.length} dead-lettered`);
    return msgs;
  });
  const reasons = dead.map((m) => String(header(m, HEADERS.deadReason)));
  t.match(reasons[0], /contract test\.ping@1: \/n /, 'schema error, with the field');
  t.match(reasons[1], /^unparseable: /);
  t.match(reasons[2], /no contract for test\.ping version 99/);
  t.match(reasons[3], /invalid envelope: id must be a UUID/);
  t.equal(logged.length, 4, 'each one logged');
  t.match(logged[0]!.obj, { consumer: 'test.strict', messageId: wrongData.id, reason: reasons[0] });
});
