// A handler that keeps failing is retried with growing delays, then dead-lettered with the reason;
// a handler that fails once succeeds on the retry.
import { eventually } from '@mercato/testing';
import { OptimisticLockError } from '@mikro-orm/core';
import t from 'tap';
import { envelope, HEADERS, startConsumer } from '../src/index.ts';
import { drainQueue, header, Note, PING, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

const publish = (broker: Awaited<ReturnType<typeof setupBroker>>, event: object) =>
  broker.publishConfirmed([{ routingKey: PING, content: Buffer.from(JSON.stringify(event)) }]);

t.test('a handler that keeps failing is retried with growing delay, then dead-lettered', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const attempts: number[] = [];
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.failing',
    retryDelaysMs: [100, 400],
    handlers: {
      [PING]: async (_event, em) => {
        attempts.push(Date.now());
        em.create(Note, { id: String(attempts.length), text: 'must roll back' });
        await em.flush();
        throw new Error('the provider said no');
      },
    },
  });
  t.teardown(() => consumer.stop());

  const event = envelope(PING, { n: 1 }, { source: 'test' });
  await publish(broker, event);
  const dlq = `${broker.exchange}.test.failing.dlq`;
  const dead = await eventually(
    async () => {
      const msgs = await drainQueue(dlq);
      if (msgs.length === 0) throw new Error('nothing dead-lettered yet');
      return msgs;
    },
    { timeoutMs: 10_000 },
  );
  t.equal(attempts.length, 3, 'one try and two retries');
  const gaps = [attempts[1]! - attempts[0]!, attempts[2]! - attempts[1]!];
  t.ok(gaps[0]! >= 90, `first retry after ~100 ms (${gaps[0]} ms)`);
  t.ok(gaps[1]! >= 390, `second retry after ~400 ms (${gaps[1]} ms)`);
  t.ok(gaps[1]! > gaps[0]!, 'the delay grows');

  t.equal(dead.length, 1, 'dead-lettered once');
  const msg = dead[0]!;
  t.same(JSON.parse(msg.content.toString()), event, 'the original message, unchanged');
  t.match(String(header(msg, HEADERS.deadReason)), /handler failed after 3 attempts: the provider said no/);
  t.equal(header(msg, HEADERS.consumer), 'test.failing');
  t.equal(header(msg, HEADERS.routingKey), PING);
  t.equal(await orm.em.fork().count(Note), 0, 'no failed attempt left a trace');
  const inbox = await orm.em.fork().execute('select count(*)::int as n from inbox');
  t.equal(inbox[0].n, 0, 'nor an inbox row');
});

t.test('a handler that fails once succeeds on the retry', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  let calls = 0;
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.flaky',
    retryDelaysMs: [100, 300],
    handlers: {
      [PING]: async (event, em) => {
        if (++calls === 1) throw new Error('flaky');
        em.create(Note, { id: event.id, text: 'ok' });
      },
    },
  });
  t.teardown(() => consumer.stop());
  const event = envelope(PING, { n: 1 }, { source: 'test' });
  await publish(broker, event);
  await eventually(async () => {
    if (!(await orm.em.fork().findOne(Note, event.id))) throw new Error('not yet');
  });
  t.equal(calls, 2);
  t.same(await drainQueue(`${broker.exchange}.test.flaky.dlq`), [], 'nothing dead-lettered');
});

t.test('version conflicts are retried in process, without the delayed retry path', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  let calls = 0;
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.contended',
    retryDelaysMs: [60_000], // would time the test out if it were used
    handlers: {
      [PING]: async (event, em) => {
        em.create(Note, { id: `${event.id}:${++calls}`, text: event.id });
        if (calls < 3) throw new OptimisticLockError('The optimistic lock on entity Stock failed');
      },
    },
  });
  t.teardown(() => consumer.stop());
  const event = envelope(PING, { n: 1 }, { source: 'test' });
  await publish(broker, event);
  await eventually(async () => {
    if ((await orm.em.fork().count(Note, { text: event.id })) !== 1) throw new Error('not yet');
  });
  t.equal(calls, 3, 'two conflicts, then success');
  t.ok(await orm.em.fork().findOne(Note, `${event.id}:3`), 'only the successful attempt committed');
});
