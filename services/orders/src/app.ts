import type { MikroORM } from '@mercato/db';
import type { App } from '@mercato/kit';
import { buildEventService } from '@mercato/messaging';
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
  return buildEventService({
    name: 'orders',
    config,
    entities,
    migrations,
    jwks: deps.jwks,
    openapi: { description: 'Orders: placement, status, lines, history' },
    async setup({ app, orm, broker, logger, stopOnClose }) {
      app.decorate('orm', orm);
      await app.register(ordersRoutes, { orm, paymentRetryWindowMs: config.PAYMENT_RETRY_WINDOW_MS });
      const consumers = await startConsumers({
        orm,
        broker,
        logger,
        retryDelaysMs: deps.retryDelaysMs,
        paymentRetryWindowMs: config.PAYMENT_RETRY_WINDOW_MS,
      });
      // Stopped together, each finishing the messages it holds; after the sweeper.
      stopOnClose({ stop: () => Promise.all(consumers.map((c) => c.stop())) });
      stopOnClose(
        startSweeper({
          orm,
          logger,
          timeoutMs: config.ORDER_PENDING_TIMEOUT_MS,
          paymentRetryWindowMs: config.PAYMENT_RETRY_WINDOW_MS,
          intervalMs: config.ORDER_SWEEP_INTERVAL_MS,
          idempotencyKeyTtlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
        }),
      );
    },
  });
}
