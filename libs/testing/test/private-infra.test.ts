// The private servers the fault suite restarts: each one starts on a port of its own, serves, goes
// away for real on restart (clients see their connection end) and comes back with its data (Redis:
// empty, as a restart without persistence is).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import t from 'tap';
import {
  eventually,
  startPrivatePostgres,
  startPrivateRabbitMQ,
  startPrivateRedis,
  uniqueName,
} from '../src/index.ts';

t.test('private PostgreSQL: serves, restarts with its data, stops', async (t) => {
  const server = await startPrivatePostgres();
  t.teardown(() => server.stop());
  t.not(server.port, 5432, 'never the shared server');

  const client = new pg.Client({ connectionString: server.url });
  client.on('error', () => {}); // the restart ends this connection: that is the point
  await client.connect();
  await client.query('create table kept (n int)');
  await client.query('insert into kept values (42)');

  const ended = new Promise<Error>((resolve) => client.once('error', resolve));
  const downMs = 1500;
  const restarting = server.restart({ downMs });
  const err = await ended;
  t.match(err.message, /administrator command|terminated/, 'open connections are terminated');

  // While it is down nothing answers on its port.
  await new Promise((r) => setTimeout(r, 300));
  const during = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 1000 });
  await t.rejects(during.connect(), 'refuses connections while down');
  await during.end().catch(() => {});

  await restarting;
  const after = new pg.Client({ connectionString: server.url });
  await after.connect();
  const { rows } = await after.query('select n from kept');
  t.same(rows, [{ n: 42 }], 'data survives the restart');
  await after.end();

  await server.stop();
  const gone = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 1000 });
  await t.rejects(gone.connect(), 'nothing listens after stop');
  await gone.end().catch(() => {});
});

t.test(
  'private RabbitMQ node: serves, restarts (node and app) keeping durable messages, stops',
  async (t) => {
    const broker = await startPrivateRabbitMQ();
    t.teardown(() => broker.stop());
    t.not(broker.port, 5672, 'never the shared node');
    t.notMatch(broker.node, /^rabbit@/, 'a node name of its own');

    const queue = uniqueName('kept');
    const conn = await amqp.connect(broker.url);
    conn.on('error', () => {});
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => {});
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    ch.sendToQueue(queue, Buffer.from('survives'), { persistent: true });
    await ch.waitForConfirms();
    // Queue statistics reach rabbitmqctl a few seconds late.
    const listed = await eventually(async () => {
      const queues = await broker.queues();
      if (queues[0]?.messages !== 1) throw new Error(JSON.stringify(queues));
      return queues;
    });
    t.same(listed, [{ name: queue, messages: 1 }], 'rabbitmqctl reaches the node');

    await broker.restart({ downMs: 500 });
    await closed;
    t.pass('the restart closes client connections');

    const again = await amqp.connect(broker.url);
    const ch2 = await again.createChannel();
    const msg = await ch2.get(queue, { noAck: true });
    t.equal(msg ? msg.content.toString() : null, 'survives', 'durable queue and persistent message survive');

    const closedAgain = new Promise<void>((resolve) => again.once('close', () => resolve()));
    again.on('error', () => {});
    await broker.restart({ mode: 'app' });
    await closedAgain;
    const third = await amqp.connect(broker.url);
    t.ok(third, 'serves again after stop_app/start_app');
    await third.close();

    await broker.stop();
    await t.rejects(amqp.connect(broker.url), 'nothing listens after stop');
  },
);

t.test('private Redis: serves, comes back empty, stops', async (t) => {
  const server = await startPrivateRedis();
  t.teardown(() => server.stop());
  t.not(server.port, 6379, 'never the shared server');

  const client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  client.on('error', () => {});
  t.teardown(() => client.disconnect());
  await client.set('k', 'v');
  t.equal(await client.get('k'), 'v');

  await server.down();
  await t.rejects(client.get('k'), 'unreachable while down');
  await server.start();
  const value = await (async () => {
    for (;;) {
      try {
        return await client.get('k');
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  t.equal(value, null, 'the client reconnects by itself and the server came back empty');

  await server.restart({ kill: true, downMs: 200 });
  t.ok(await client.ping().catch(() => client.ping()), 'serves again after SIGKILL and start');

  await server.stop();
  const probe = new Redis(server.url, { lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => {});
  await t.rejects(probe.connect(), 'nothing listens after stop');
  probe.disconnect();
});

// A test file that tap ends on a timeout (SIGTERM) or that dies (SIGKILL) must not leave its servers
// running on a shared machine: SIGTERM stops them on the way out, and the next private server started
// anywhere reaps those of an owner that is gone.
t.test('private servers do not outlive the test process that started them', async (t) => {
  const index = new URL('../src/index.ts', import.meta.url).pathname;
  const startInChild = async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { startPrivateRedis } from '${index}';
         const r = await startPrivateRedis();
         console.log(r.port);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    return { child, exited, port: Number(line.toString().trim()) };
  };
  const answers = async (port: number) => {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  };

  const ended = await startInChild();
  t.ok(await answers(ended.port), 'the child’s server runs');
  ended.child.kill('SIGTERM');
  await ended.exited;
  t.notOk(await answers(ended.port), 'SIGTERM: the server is stopped on the way out');

  const killed = await startInChild();
  killed.child.kill('SIGKILL');
  await killed.exited;
  t.ok(await answers(killed.port), 'SIGKILL: the orphan still runs at first');
  const next = await startPrivateRedis();
  t.teardown(() => next.stop());
  t.notOk(await answers(killed.port), 'the next private server reaps it');
});
