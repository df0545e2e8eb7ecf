import { createOrm, type MikroORM } from '@mercato/db';
import { type App, createService } from '@mercato/kit';
import { Broker, startOutboxRelay } from '@mercato/messaging';
import { Redis } from 'ioredis';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { startConsumers } from './consumers/index.ts';
import { entities } from './entities.ts';
import ordersRoutes from './routes/orders/index.ts';
import { startSweeper } from './sweeper.ts';

export interface AppDeps {
  /** A fixed key set instead of JWKS_URL (tests: testAuth().jwks). */
  jwks?: JSONWebKeySet;
  /** Consumer retry delays (tests shorten them). */
  retryDelaysMs?: number[];
}

declare module 'fastify' {
  interface FastifyInstance {
    orm: MikroORM;
  }
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const stack: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of stack.reverse()) await close().catch(() => {});
  };
  try {
    const orm = await createOrm({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      entities,
      migrations,
      poolMax: config.DATABASE_POOL_MAX,
    });
    stack.push(() => orm.close(true));

    // Redis only backs the logout deny-list here: an accelerator, so requests never queue behind it.
    const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on('error', () => {}); // reconnects by itself; the auth check logs when it skips
    stack.push(async () => redis.disconnect());

    const app = await createService({
      name: 'orders',
      logLevel: config.LOG_LEVEL,
      auth: deps.jwks ? { jwks: deps.jwks, redis } : { jwksUrl: config.JWKS_URL, redis },
      readiness: {
        postgres: () => orm.em.fork().execute('select 1'),
        rabbitmq: () => broker.check(),
      },
      openapi: { description: 'Orders: placement, status, lines, history' },
    });
    stack.push(() => app.close());
    const logger = app.log;

    const broker = await Broker.connect({ url: config.AMQP_URL, exchange: config.AMQP_EXCHANGE, logger });
    stack.push(() => broker.close());

    app.decorate('orm', orm);
    await app.register(ordersRoutes, { orm, paymentRetryWindowMs: config.PAYMENT_RETRY_WINDOW_MS });

    const relay = startOutboxRelay({ orm, broker, logger });
    const consumers = await startConsumers({
      orm,
      broker,
      logger,
      retryDelaysMs: deps.retryDelaysMs,
      paymentRetryWindowMs: config.PAYMENT_RETRY_WINDOW_MS,
    });
    const sweeper = startSweeper({
      orm,
      logger,
      timeoutMs: config.ORDER_PENDING_TIMEOUT_MS,
      paymentRetryWindowMs: config.PAYMENT_RETRY_WINDOW_MS,
      intervalMs: config.ORDER_SWEEP_INTERVAL_MS,
    });

    // Reverse order of start: stop taking work, finish what is in hand, then close connections.
    app.addHook('onClose', async () => {
      await sweeper.stop();
      await Promise.all(consumers.map((c) => c.stop()));
      await relay.stop();
      await broker.close();
      // disconnect, not quit: quit waits for a reply that never comes while Redis is unreachable,
      // and the client would keep reconnecting (and the process alive) meanwhile.
      redis.disconnect();
      await orm.close(true);
    });
    return app;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
