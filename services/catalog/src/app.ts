import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { registerConsumers } from './consumers/index.ts';
import { entities } from './persistence/entities.ts';
import { productCacheRedisOptions } from './persistence/product-cache.ts';
import { applySearchLanguage } from './persistence/search.ts';
import catalog from './plugins/catalog.ts';
import productCache from './plugins/product-cache.ts';
import categoryRoutes from './routes/categories/index.ts';
import productRoutes from './routes/products/index.ts';
import { seedDemoCatalog } from './use-cases/seed-demo-catalog.ts';

export interface AppDeps {
  /** a fixed key set instead of fetching JWKS_URL (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
}

/**
 * The catalog service, migrated and connected: PostgreSQL (migrations run here), RabbitMQ (the outbox
 * relay and the stock-levels consumer run in-process), Redis (read cache). `app.close()` stops the relay and closes every connection.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  return buildService({
    name: 'catalog',
    config,
    database: { entities, migrations },
    redis: {
      options: productCacheRedisOptions,
      // Redis is left out of /readyz on purpose: the catalog answers without it, so it must not
      // leave the load balancer. Nor does start-up wait for it.
      readiness: false,
      wait: 'none',
    },
    auth: deps.jwks ? { jwks: deps.jwks } : {},
    openapi: { title: 'Mercato catalog', description: 'Products, categories and product search' },
    async setup(ctx) {
      const { app, orm, logger } = ctx;
      await app.register(productCache, {
        namespace: config.DATABASE_SCHEMA,
        ttlSeconds: config.CACHE_TTL_SECONDS,
      });
      const searchLanguage = config.SEARCH_LANGUAGE ?? 'english';
      const revectorised = await applySearchLanguage(orm.em.fork(), searchLanguage);
      if (revectorised > 0) {
        logger.info(
          { searchLanguage, products: revectorised },
          'search: products re-indexed in the catalog language',
        );
        await app.productCache.invalidatePages();
      }
      await app.register(catalog, { showStockQuantity: config.SHOW_STOCK_QUANTITY, searchLanguage });
      await app.register(categoryRoutes, { prefix: '/products/categories' });
      await app.register(productRoutes, { prefix: '/products' });
      await registerConsumers(ctx);
      if (config.SEED_DEMO_CATALOG) await seedDemoCatalog({ orm, cache: app.productCache }, logger);
    },
  });
}
