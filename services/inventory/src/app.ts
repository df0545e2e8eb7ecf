import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { registerConsumers } from './consumers/index.ts';
import { entities } from './persistence/entities.ts';
import stockCache from './plugins/stock-cache.ts';
import stockRoutes from './routes/stocks/index.ts';
import storeRoutes from './routes/stores/index.ts';
import { startLevelPublisher } from './workers/level-publisher.ts';

export interface Deps {
  /** a fixed key set instead of JWKS_URL (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
  logLevel?: string;
  /** false: HTTP only, no consumers or relay (tests of the routes alone) */
  messaging?: boolean;
}

export async function buildApp(config: Config, deps: Deps = {}): Promise<App> {
  return buildService({
    name: 'inventory',
    config: { ...config, LOG_LEVEL: deps.logLevel ?? config.LOG_LEVEL },
    database: { entities, migrations },
    messaging: deps.messaging !== false,
    consumers: { prefetch: config.CONSUMER_PREFETCH },
    auth: deps.jwks ? { jwks: deps.jwks } : {},
    openapi: { description: 'Stores, stock per product and store, and the reservations of orders.' },
    redis: {
      // Redis also holds the stock cache. Short timeouts and no retry: when Redis is away a read must
      // fall through to PostgreSQL at once rather than wait for a reconnect.
      options: {
        maxRetriesPerRequest: 0,
        connectTimeout: 1_000,
        commandTimeout: 250,
        retryStrategy: (times) => Math.min(100 * times, 2_000),
      },
      // The cache works from the first request (without Redis the service still serves).
      wait: 'settle',
    },
    async setup(ctx) {
      const { app } = ctx;
      await app.register(stockCache, {
        prefix: `${config.DATABASE_SCHEMA}:`,
        ttlSeconds: config.STOCK_CACHE_TTL_SECONDS,
      });
      await app.register(storeRoutes, { prefix: '/stores' });
      await app.register(stockRoutes, { prefix: '/stocks' });
      if (deps.messaging !== false) {
        const levels = startLevelPublisher({
          orm: ctx.orm,
          logger: ctx.logger,
          intervalMs: config.LEVELS_PUBLISH_INTERVAL_MS,
          sweepIntervalMs: config.LEVELS_SWEEP_INTERVAL_MS,
        });
        ctx.stopOnClose(levels);
        await registerConsumers(ctx, { stockCache: app.stockCache, levels });
      }
    },
  });
}
