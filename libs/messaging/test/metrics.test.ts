// The pipeline's metrics after real work, read the way Prometheus reads them (the registry's text
// exposition): what a consumer did with each delivery (handled, duplicate, retried, dead-lettered,
// rejected) and how long it took, and the outbox's backlog while the broker is away and after.
import { eventually, metricSample, startTcpProxy, uniqueName } from '@mercato/testing';
import { Registry } from 'prom-client';
import t from 'tap';
import { addToOutbox, consumerTopology, envelope, startConsumer, startOutboxRelay } from '../src/index.ts';
import { outboxMetrics } from '../src/metrics.ts';
import { Note, PING, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

t.test('messages_consumed_total and message_handling_seconds, by outcome', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const registry = new Registry();
  const failedOnce = new Set<number>();
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.metrics',
    retryDelaysMs: [50, 50],
    metrics: registry,
    handlers: {
      [PING]: async (event, em) => {
        const { n } = event.data;
        // 2 fails once then succeeds; 3 always fails (two retries, then the dead-letter queue).
        if (n === 2 && !failedOnce.has(n)) {
          failedOnce.add(n);
          throw new Error('flaky');
        }
        if (n === 3) throw new Error('always');
        em.create(Note, { id: event.id, text: String(n) });
      },
    },
  });
  t.teardown(() => consumer.stop());
  const queue = consumerTopology(broker.exchange, 'test.metrics', [50, 50]).queue;
  const publish = (event: object) =>
    broker.publishConfirmed([{ routingKey: PING, content: Buffer.from(JSON.stringify(event)) }]);
  const consumed = async (outcome: string) =>
    metricSample(await registry.metrics(), 'messages_consumed_total', { queue, type: PING, outcome }) ?? 0;
  const until = (outcome: string, n: number) =>
    eventually(
      async () => {
        const now = await consumed(outcome);
        if (now < n) throw new Error(`${outcome}: ${now} of ${n}`);
      },
      { timeoutMs: 10_000 },
    );

  const first = envelope(PING, { n: 1 }, { source: 'test' });
  await publish(first);
  await until('handled', 1);
  await publish(first); // the same message id again: the inbox knows it
  await until('duplicate', 1);
  await publish(envelope(PING, { n: 2 }, { source: 'test' }));
  await publish(envelope(PING, { n: 3 }, { source: 'test' }));
  await publish({ ...envelope(PING, { n: 4 }, { source: 'test' }), data: { n: 'four' } }); // breaks the contract
  await until('dead_lettered', 1);
  await until('handled', 2);
  await until('rejected', 1);
  await new Promise((r) => setTimeout(r, 200)); // a stray extra count would show now

  const text = await registry.metrics();
  t.equal(
    metricSample(text, 'messages_consumed_total', { queue, type: PING, outcome: 'handled' }),
    2,
    'handled: 1 and 2',
  );
  t.equal(metricSample(text, 'messages_consumed_total', { queue, type: PING, outcome: 'duplicate' }), 1);
  t.equal(
    metricSample(text, 'messages_consumed_total', { queue, type: PING, outcome: 'retried' }),
    3,
    'retried: 2 once, 3 twice',
  );
  t.equal(metricSample(text, 'messages_consumed_total', { queue, type: PING, outcome: 'dead_lettered' }), 1);
  t.equal(metricSample(text, 'messages_consumed_total', { queue, type: PING, outcome: 'rejected' }), 1);
  t.equal(
    metricSample(text, 'message_handling_seconds_count', { queue, type: PING }),
    7,
    'every delivery that reached the handler is timed (2 + 1 + 3 + 1)',
  );
  const sum = metricSample(text, 'message_handling_seconds_sum', { queue, type: PING })!;
  t.ok(sum > 0 && sum < 10, `the handling time is plausible (${sum} s)`);
  t.equal(await orm.em.fork().count(Note), 2, 'the work itself: two notes');
});

t.test('outbox gauges: rows pending while the broker is away, 0 once published', async (t) => {
  const { orm } = await setupOrm(t);
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5672 });
  t.teardown(() => proxy.close());
  const broker = await setupBroker(t, {
    url: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
    exchange: uniqueName('t_ex'),
  });
  const registry = new Registry();
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 50, metrics: registry });
  t.teardown(() => relay.stop());
  let text = await registry.metrics();
  t.equal(metricSample(text, 'outbox_pending_rows'), 0, 'nothing pending at first');
  t.equal(metricSample(text, 'outbox_oldest_pending_seconds'), 0);
  t.equal(metricSample(text, 'outbox_published_total'), 0);

  proxy.cut();
  await eventually(async () => {
    if (broker.connected) throw new Error('still connected');
  });
  await orm.em.fork().transactional(async (em) => {
    for (let n = 0; n < 3; n++) await addToOutbox(em, envelope(PING, { n }, { source: 'test' }));
  });
  await new Promise((r) => setTimeout(r, 300));
  text = await registry.metrics();
  t.equal(metricSample(text, 'outbox_pending_rows'), 3, 'three rows wait');
  const age = metricSample(text, 'outbox_oldest_pending_seconds')!;
  t.ok(age >= 0.25 && age < 30, `the oldest has waited since it was committed (${age} s)`);
  t.equal(metricSample(text, 'outbox_published_total'), 0, 'nothing published');

  await proxy.restore();
  await eventually(
    async () => {
      const now = await registry.metrics();
      if (metricSample(now, 'outbox_pending_rows') !== 0) throw new Error('still pending');
    },
    { timeoutMs: 15_000 },
  );
  text = await registry.metrics();
  t.equal(metricSample(text, 'outbox_pending_rows'), 0);
  t.equal(metricSample(text, 'outbox_oldest_pending_seconds'), 0);
  t.equal(metricSample(text, 'outbox_published_total'), 3, 'the three rows published');
});

t.test('a failing outbox read does not break the scrape', async (t) => {
  const registry = new Registry();
  const warnings: string[] = [];
  let fail = false;
  const logger = {
    info() {},
    warn: (_o: unknown, msg: string) => warnings.push(msg),
    error() {},
  };
  outboxMetrics(
    registry,
    async () => {
      if (fail) throw new Error('connection refused');
      return { pending: 5, oldestSeconds: 12 };
    },
    logger,
  );
  let text = await registry.metrics();
  t.equal(metricSample(text, 'outbox_pending_rows'), 5);
  fail = true;
  text = await registry.metrics();
  t.equal(metricSample(text, 'outbox_pending_rows'), 5, 'the last value is kept');
  t.equal(metricSample(text, 'outbox_oldest_pending_seconds'), 12);
  t.equal(metricSample(text, 'outbox_published_total'), 0, 'and the rest is still there');
  t.equal(warnings.length, 1, 'one read per scrape, one warning');
});
