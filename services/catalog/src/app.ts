import { createOrm, type MikroORM } from '@mercato/db';
import { type App, createService } from '@mercato/kit';
import { Broker, startOutboxRelay } from '@mercato/messaging';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import { CatalogStore } from './catalog-store.ts';
import type { Config } from './config.ts';
import { entities } from './entities.ts';
import { ReadCache } from './plugins/read-cache.ts';
import { productRoutes } from './routes/products/index.ts';
import { seedCatalog } from './seed.ts';

export interface AppDeps {
  /** a fixed key set instead of fetching JWKS_URL (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
}

declare module 'fastify' {
  interface FastifyInstance {
    catalog: CatalogStore;
    orm: MikroORM;
  }
}

/**
 * The catalog service, migrated and connected: PostgreSQL (migrations run here), RabbitMQ (the outbox
 * relay runs in-process), Redis (read cache). `app.close()` stops the relay and closes every connection.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const orm = await createOrm({
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    entities,
    migrations,
  });
  let broker: Broker | undefined;
  let cache: ReadCache | undefined;
  let built: App;
  try {
    broker = await Broker.connect({ url: config.AMQP_URL, exchange: config.AMQP_EXCHANGE });
    const connectedBroker = broker;
    cache = new ReadCache({
      url: config.REDIS_URL,
      namespace: config.DATABASE_SCHEMA,
      ttlSeconds: config.CACHE_TTL_SECONDS,
      // replaced by the app's logger below, once it exists
      logger: silentLogger(),
    });
    const app = await createService({
      name: 'catalog',
      logLevel: config.LOG_LEVEL,
      auth: deps.jwks
        ? { jwks: deps.jwks, redis: cache.redis }
        : { jwksUrl: config.JWKS_URL, redis: cache.redis },
      // Redis is left out on purpose: the catalog answers without it, so it must not leave the load balancer.
      readiness: {
        postgres: () => orm.em.fork().execute('select 1'),
        rabbitmq: () => connectedBroker.check(),
      },
      openapi: { title: 'Mercato catalog', description: 'Products, categories and product search' },
    });
    cache.logger = app.log;
    const store = new CatalogStore(orm, cache);
    app.decorate('catalog', store);
    app.decorate('orm', orm);
    await app.register(productRoutes, { store });
    // Started last: nothing after it can fail, so the catch below never has a relay to stop.
    const relay = startOutboxRelay({ orm, broker, logger: app.log });
    const openCache = cache;
    app.addHook('onClose', async () => {
      await relay.stop();
      await connectedBroker.close();
      await openCache.close();
      await orm.close();
    });
    built = app;
  } catch (err) {
    await cache?.close();
    await broker?.close();
    await orm.close(true);
    throw err;
  }
  if (config.SEED_DEMO_CATALOG) {
    try {
      await seedCatalog(built.catalog, built.log);
    } catch (err) {
      await built.close();
      throw err;
    }
  }
  return built;
}

function silentLogger(): any {
  const noop = () => {};
  return { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop };
}
