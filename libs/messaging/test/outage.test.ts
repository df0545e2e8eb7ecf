// The broker goes away (a TCP proxy we control is cut; the shared RabbitMQ keeps running) and comes
// back: a state change committed meanwhile is published once it is reachable again, and the consumer
// behind the same cut re-declares its queue and resumes.
import { eventually, startTcpProxy, TEST_AMQP_URL, uniqueName } from '@mercato/testing';
import amqp from 'amqplib';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { addToOutbox, Broker, envelope, startConsumer, startOutboxRelay } from '../src/index.ts';
import { Note, PING, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

t.test(
  'a state change committed while RabbitMQ is unreachable is published after it comes back',
  async (t) => {
    const { orm } = await setupOrm(t);
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5672 });
    t.teardown(() => proxy.close());
    const broker = await setupBroker(t, {
      url: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
      exchange: uniqueName('t_ex'),
    });
    const consumer = await startConsumer<TestEvents>({
      broker,
      orm,
      name: 'test.outage',
      handlers: {
        [PING]: async (event, em) => {
          em.create(Note, { id: event.id, text: 'handled' });
        },
      },
    });
    const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 100 });
    t.teardown(async () => {
      await relay.stop();
      await consumer.stop();
    });
    const handled = (id: string) =>
      eventually(
        async () => {
          if (!(await orm.em.fork().findOne(Note, id))) throw new Error(`${id} not handled yet`);
        },
        { timeoutMs: 20_000 },
      );
    const commit = async (n: number) => {
      const event = envelope(PING, { n }, { source: 'test' });
      await orm.em.fork().transactional(async (em) => {
        em.create(Note, { id: uuidv7(), text: `state change ${n}` });
        await addToOutbox(em, event);
      });
      return event;
    };

    await handled((await commit(1)).id);
    t.pass('works before the outage');

    proxy.cut();
    await eventually(async () => {
      if (broker.connected) throw new Error('still connected');
    });
    const during = await commit(2);
    await new Promise((r) => setTimeout(r, 700)); // several relay polls fail meanwhile
    const [row] = await orm.em.fork().execute('select sent_at from outbox where id = ?', [during.id]);
    t.equal(row.sent_at, null, 'the row waits while the broker is unreachable');
    t.notOk(await orm.em.fork().findOne(Note, during.id), 'and nothing was handled');

    await proxy.restore();
    await handled(during.id);
    t.pass('published and consumed after the broker came back');
    t.ok(broker.connected, 'the broker reconnected');
    const [after] = await orm.em.fork().execute('select sent_at from outbox where id = ?', [during.id]);
    t.ok(after.sent_at, 'the row is marked sent');

    await handled((await commit(3)).id);
    t.pass('and later events flow as usual');
  },
);

t.test('a consumer whose queue disappears re-declares it and goes on', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const seen: string[] = [];
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.redeclare',
    handlers: {
      [PING]: async (event) => {
        seen.push(event.id);
      },
    },
  });
  t.teardown(() => consumer.stop());
  const send = async () => {
    const e = envelope(PING, { n: 1 }, { source: 'test' });
    await broker.publishConfirmed([{ routingKey: PING, content: Buffer.from(JSON.stringify(e)) }]);
    return e.id;
  };
  const first = await send();
  await eventually(async () => {
    if (!seen.includes(first)) throw new Error('not yet');
  });

  const admin = await amqp.connect(TEST_AMQP_URL);
  const ch = await admin.createChannel();
  await ch.deleteQueue(`${broker.exchange}.test.redeclare`);
  await admin.close();

  // Publish until one arrives: messages sent before the queue is back are unroutable and dropped.
  await eventually(
    async () => {
      const id = await send();
      await eventually(
        async () => {
          if (!seen.includes(id)) throw new Error('not yet');
        },
        { timeoutMs: 500 },
      );
    },
    { timeoutMs: 30_000 },
  );
  t.pass('consuming again');
});

t.test("deleteTopology from a fresh broker removes a closed app's queues", async (t) => {
  const { orm } = await setupOrm(t);
  const exchange = uniqueName('t_ex');
  const appBroker = await Broker.connect({ url: TEST_AMQP_URL, exchange });
  const consumer = await startConsumer<TestEvents>({
    broker: appBroker,
    orm,
    name: 'test.gone',
    handlers: { [PING]: async () => {} },
  });
  await consumer.stop();
  await appBroker.close();

  const admin = await Broker.connect({ url: TEST_AMQP_URL, exchange });
  await admin.deleteTopology();
  await admin.close();
  const conn = await amqp.connect(TEST_AMQP_URL);
  t.teardown(() => conn.close());
  for (const q of [`${exchange}.test.gone`, `${exchange}.test.gone.dlq`, `${exchange}.retry.1000ms`]) {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    await t.rejects(ch.checkQueue(q), /NOT_FOUND/, `${q} is gone`);
  }
});
