// Decorates the app with the stock cache (Redis in front of GET /stocks/{productId}), used by the
// routes' use cases and by the consumers to drop a product's level when it changes.
import fp from 'fastify-plugin';
import { StockCache } from '../persistence/stock-cache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    stockCache: StockCache;
  }
}

export interface StockCacheOptions {
  /** keys are `<prefix>stock:<productId>`; the schema name keeps replicas of one schema together */
  prefix: string;
  ttlSeconds: number;
}

export default fp<StockCacheOptions>(
  async (app, opts) => {
    app.decorate(
      'stockCache',
      new StockCache({ redis: app.redis, prefix: opts.prefix, ttlSeconds: opts.ttlSeconds, log: app.log }),
    );
  },
  { name: 'inventory-stock-cache' },
);
