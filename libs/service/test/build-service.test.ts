// buildService against the real servers: a tiny service with one entity, one migration, one
// route and one consumer starts ready, handles events (published directly, and through its own
// outbox and relay), uses Redis for the deny-list, and closes everything in order; a failed start
// rethrows and leaves nothing open. An HTTP-only service (no database) starts through the same builder.
import { MikroORM } from '@mercato/db';
import { addToOutbox, Broker, envelope, messagingEntities } from '@mercato/messaging';
import {
  eventually,
  isolatedSchema,
  publishEvents,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { buildService, type ServiceConfig, type ServiceContext } from '../src/index.ts';
import { Note, noteMigrations, PING, type TestEvents } from './helpers.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

async function testConfig(t: Tap, overrides: Partial<ServiceConfig> = {}): Promise<ServiceConfig> {
  const config = {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: await isolatedSchema(t, 't_evs'),
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: uniqueName('t_evs_ex') as string,
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://127.0.0.1:9/unused',
    ...overrides,
  };
  // The exchange and every queue the service declared in this process (after the app has closed).
  t.teardown(async () => {
    const admin = await Broker.connect({ url: TEST_AMQP_URL, exchange: config.AMQP_EXCHANGE as string });
    await admin.deleteTopology();
    await admin.close();
  });
  return config;
}

const service = {
  name: 'test',
  database: { entities: [...messagingEntities, Note], migrations: noteMigrations },
};

/** disconnect() ends the client once its socket has closed. */
const ended = (redis: Redis) =>
  eventually(async () => {
    if (redis.status !== 'end') throw new Error(`redis is ${redis.status}`);
  });

async function queueState(queue: string): Promise<{ messageCount: number; consumerCount: number }> {
  const conn = await amqp.connect(TEST_AMQP_URL);
  try {
    const ch = await conn.createChannel();
    return await ch.checkQueue(queue);
  } finally {
    await conn.close();
  }
}

t.test('a built service is ready, handles events, and closes in order', async (t) => {
  const config = await testConfig(t);
  const auth = await testAuth();
  const closed: string[] = [];
  let ctx: ServiceContext | undefined;
  const app = await buildService({
    ...service,
    config,
    auth: { jwks: auth.jwks },
    async setup(c) {
      ctx = c;
      const { app, orm, stopOnClose } = c;
      stopOnClose({ stop: async () => closed.push('worker') });
      const consumer = await c.consume<TestEvents>('notes', {
        [PING]: async (event, em) => {
          em.create(Note, { id: event.id, text: `handled ${event.data.n}` });
        },
      });
      // Wraps the consumer's own stop (registered by consume) to see the order.
      const stop = consumer.stop.bind(consumer);
      consumer.stop = async () => {
        await stop();
        closed.push('consumer');
      };
      app.post('/pings', async (_request, reply) => {
        const event = envelope(PING, { n: 2 }, { source: 'test' });
        await orm.em.fork().transactional((em) => addToOutbox(em, event));
        return reply.code(202).send({ id: event.id });
      });
      app.get('/me', { preHandler: app.authenticate }, async (request) => ({ sub: request.user.sub }));
    },
  });
  t.teardown(() => app.close());
  if (!ctx) throw new Error('setup did not run');
  const { orm, broker, redis } = ctx;

  const ready = await app.inject({ url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json().checks, { postgres: 'ok', rabbitmq: 'ok' });

  const published = envelope(PING, { n: 1 }, { source: 'another-service' });
  await publishEvents(config.AMQP_EXCHANGE as string, [published]);
  const viaOutbox = (await app.inject({ method: 'POST', url: '/pings' })).json().id;
  await eventually(async () => {
    const notes = await orm.em.fork().find(Note, { id: [published.id, viaOutbox] });
    if (notes.length < 2) throw new Error(`${notes.length} of 2 handled`);
  });
  t.pass('an event published by another service and one from its own outbox are handled');

  const jti = uuidv7();
  const token = await auth.sign({ sub: 'u1', role: 'customer', jti });
  const me = () => app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } });
  t.equal((await me()).statusCode, 200);
  const admin = new Redis(TEST_REDIS_URL);
  t.teardown(() => admin.quit());
  await admin.set(`auth:denied:${jti}`, '1', 'EX', 60);
  t.equal((await me()).statusCode, 401, 'the deny-list in Redis applies');

  const queue = `${config.AMQP_EXCHANGE}.test.notes`;
  t.equal((await queueState(queue)).consumerCount, 1);
  await app.close();
  t.same(closed, ['consumer', 'worker'], 'what setup registered stops last first');
  t.equal(await orm.isConnected(), false, 'the ORM is closed');
  t.equal(broker.connected, false, 'the broker is closed');
  await t.resolves(ended(redis), 'Redis is disconnected');
  t.equal((await queueState(queue)).consumerCount, 0, 'the consumer is gone');
  await publishEvents(config.AMQP_EXCHANGE as string, [
    envelope(PING, { n: 3 }, { source: 'another-service' }),
  ]);
  await eventually(async () => {
    if ((await queueState(queue)).messageCount !== 1) throw new Error('not queued yet');
  });
  t.pass('an event after close waits in the queue');
});

t.test('messaging: false builds the HTTP part only', async (t) => {
  const config = await testConfig(t);
  let ctx: ServiceContext | undefined;
  const app = await buildService({
    ...service,
    config,
    messaging: false,
    async setup(c) {
      ctx = c;
    },
  });
  t.teardown(() => app.close());
  t.throws(() => ctx?.broker.exchange, /messaging is not configured/, 'no broker');
  await t.rejects(ctx!.consume('x', { 'order.placed': async () => {} }), /consumers need messaging/);
  t.equal(app.orm, ctx?.orm, 'the ORM is decorated on the app');
  const ready = await app.inject({ url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json().checks, { postgres: 'ok' });
});

t.test('a start that fails in setup closes everything it had opened and rethrows', async (t) => {
  const config = await testConfig(t);
  let ctx: ServiceContext | undefined;
  let stopped = false;
  const built = buildService({
    ...service,
    config,
    async setup(c) {
      ctx = c;
      c.stopOnClose({ stop: async () => (stopped = true) });
      c.app.get('/x', async () => 'x');
      throw new Error('setup failed');
    },
  });
  await t.rejects(built, { message: 'setup failed' });
  if (!ctx) throw new Error('setup did not run');
  t.ok(stopped, 'what setup registered is stopped');
  t.equal(ctx.broker.connected, false, 'the broker is closed');
  await t.resolves(ended(ctx.redis), 'Redis is disconnected');
  t.equal(await ctx.orm.isConnected(), false, 'the ORM is closed');
});

t.test('a broker that cannot be reached fails the start, and the ORM and Redis are closed', async (t) => {
  const config = await testConfig(t, { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' });
  // The builder's ORM and Redis client are not reachable from outside: watch them being made.
  const orms: MikroORM[] = [];
  const clients: Redis[] = [];
  const init = MikroORM.init;
  const connect = Redis.prototype.connect;
  MikroORM.init = async function (this: typeof MikroORM, ...args: Parameters<typeof init>) {
    const orm = (await init.apply(this, args)) as MikroORM;
    orms.push(orm);
    return orm;
  } as typeof init;
  Redis.prototype.connect = function (this: Redis, ...args: Parameters<typeof connect>) {
    clients.push(this);
    return connect.apply(this, args);
  };
  t.teardown(() => {
    MikroORM.init = init;
    Redis.prototype.connect = connect;
  });

  let setupRan = false;
  await t.rejects(
    buildService({
      ...service,
      config,
      async setup() {
        setupRan = true;
      },
    }),
    { code: 'ECONNREFUSED' },
  );
  t.notOk(setupRan);
  t.equal(orms.length, 1);
  t.equal(await orms[0]?.isConnected(), false, 'the ORM is closed');
  t.equal(clients.length, 1);
  await t.resolves(ended(clients[0] as Redis), 'Redis is disconnected');
});

t.test('an HTTP-only service (no database) starts through the same builder', async (t) => {
  const auth = await testAuth();
  let ctx: ServiceContext | undefined;
  const app = await buildService({
    name: 'edge',
    config: { LOG_LEVEL: 'silent', REDIS_URL: TEST_REDIS_URL },
    auth: { jwks: auth.jwks },
    redis: { wait: 'settle', readiness: true },
    async setup(c) {
      ctx = c;
      c.app.get('/me', { preHandler: c.app.authenticate }, async (request) => ({ sub: request.user.sub }));
    },
  });
  t.teardown(() => app.close());
  t.throws(() => ctx?.orm.em, /the database is not configured/, 'no ORM');
  const ready = await app.inject({ url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json().checks, { redis: 'ok' }, 'Redis is a readiness check when asked for');
  const token = await auth.sign({ sub: 'u2', role: 'customer', jti: uuidv7() });
  const me = await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } });
  t.equal(me.json().sub, 'u2', 'tokens are verified');
  t.equal(app.redis, ctx?.redis, 'the Redis client is decorated on the app');
  await app.close();
  await t.resolves(ended(app.redis), 'Redis is disconnected on close');
});

t.test(
  'auth: false serves without token verification; messaging without a database is refused',
  async (t) => {
    const app = await buildService({
      name: 'plain',
      config: { LOG_LEVEL: 'silent' },
      auth: false,
      async setup({ app }) {
        app.get('/hello', async () => ({ hello: 'world' }));
      },
    });
    t.teardown(() => app.close());
    t.same((await app.inject({ url: '/hello' })).json(), { hello: 'world' });
    t.same((await app.inject({ url: '/readyz' })).json().checks, {}, 'nothing to depend on');
    await t.rejects(
      buildService({ name: 'x', config: { LOG_LEVEL: 'silent' }, messaging: true, async setup() {} }),
      /messaging needs a database/,
    );
  },
);
