import { afterCommitHooks, type MikroORM } from '@mercato/db';
import type { App } from '@mercato/kit';
import { buildEventService, consumerTopology, startConsumer } from '@mercato/messaging';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { reservationHandlers } from './consumers/reservations.ts';
import { entities } from './entities.ts';
import { StockCache } from './plugins/stock-cache.ts';
import { stockRoutes } from './routes/stocks/index.ts';
import { storeRoutes } from './routes/stores/index.ts';

const RELEASE_CONSUMER = 'inventory.release-stock';

export interface Deps {
  /** a fixed key set instead of JWKS_URL (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
  logLevel?: string;
  /** false: HTTP only, no consumers or relay (tests of the routes alone) */
  messaging?: boolean;
}

export interface InventoryContext {
  orm: MikroORM;
  cache: StockCache;
}

export async function buildApp(config: Config, deps: Deps = {}): Promise<App> {
  return buildEventService({
    name: 'inventory',
    config: { ...config, LOG_LEVEL: deps.logLevel ?? config.LOG_LEVEL },
    entities,
    migrations,
    jwks: deps.jwks,
    openapi: { description: 'Stores, stock per product and store, and the reservations of orders.' },
    messaging: deps.messaging !== false,
    // Redis also holds the stock cache. Short timeouts and no retry: when Redis is away a read must
    // fall through to PostgreSQL at once rather than wait for a reconnect.
    redisOptions: {
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
      commandTimeout: 250,
      retryStrategy: (times) => Math.min(100 * times, 2_000),
    },
    waitForRedis: true, // the cache works from the first request (without Redis the service still serves)
    async setup({ app, orm, broker, redis, logger: log, stopOnClose }) {
      const cache = new StockCache({
        redis,
        prefix: `${config.DATABASE_SCHEMA}:`,
        ttlSeconds: config.STOCK_CACHE_TTL_SECONDS,
        log,
      });
      const ctx: InventoryContext = { orm, cache };
      await app.register(storeRoutes, { prefix: '/stores', ctx });
      await app.register(stockRoutes, { prefix: '/stocks', ctx });
      if (!broker) return;

      // The consumer's transaction commits after the handler returns: the cache is dropped on that
      // commit, not before, so no reader can put the old level back in the meantime.
      const afterCommit = afterCommitHooks(orm);
      const handlers = reservationHandlers({
        touched(em, productIds) {
          const ids = [...productIds];
          afterCommit(em, () => cache.invalidate(ids));
        },
      });
      const common = { broker, orm, logger: log, prefetch: config.CONSUMER_PREFETCH };
      stopOnClose(
        await startConsumer({
          ...common,
          name: 'inventory.reserve-stock',
          events: ['order.placed', 'order.lines_changed'],
          handle: (event, em) => handlers.reserve(event, em as EntityManager),
        }),
      );
      // Only order.cancelled gives the stock back. A declined payment does not end the order any
      // more (orders keeps it PENDING for a retry within PAYMENT_RETRY_WINDOW_MS); when it does
      // end, whether at once or after the window, orders says so with order.cancelled.
      stopOnClose(
        await startConsumer({
          ...common,
          name: RELEASE_CONSUMER,
          events: ['order.cancelled'],
          handle: async (event, em) => {
            if (event.type !== 'order.cancelled') {
              // Delivered through a binding left from an earlier version (see below): not ours any more.
              log.info({ eventId: event.id, type: event.type }, 'release-stock: event ignored');
              return;
            }
            await handlers.orderCancelled(event, em as EntityManager);
          },
        }),
      );
      stopOnClose(
        await startConsumer({
          ...common,
          name: 'inventory.commit-stock',
          events: ['order.shipped'],
          handle: (event, em) => handlers.orderShipped(event, em as EntityManager),
        }),
      );
      // The release queue used to be bound to payment.failed too, and a durable queue keeps its
      // bindings across deployments: drop that one (on every connect, since a replica of the older
      // version still running in a rolling update may bind it again; the handler ignores what comes).
      await broker.onConnected(async (conn) => {
        const queue = consumerTopology(broker.exchange, RELEASE_CONSUMER, []).queue;
        const ch = await conn.createChannel();
        ch.on('error', () => {});
        try {
          await ch.unbindQueue(queue, broker.exchange, 'payment.failed');
        } catch (err) {
          log.warn({ err, queue }, 'could not drop the payment.failed binding of the release queue');
        } finally {
          await ch.close().catch(() => {});
        }
      });
    },
  });
}
