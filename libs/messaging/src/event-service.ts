// The start-up wiring every event-driven service shares: its ORM (migrated), a Redis client for the
// logout deny-list, the broker, the HTTP service (auth, /readyz, OpenAPI), the outbox relay, and
// whatever the service adds in `setup` (routes, consumers, workers). `app.close()` closes all of it
// in reverse order of start; a failed start closes whatever it had opened and rethrows.
import { type CreateOrmOptions, createOrm, type MikroORM } from '@mercato/db';
import { type App, createService, type ServiceOptions } from '@mercato/kit';
import type { FastifyBaseLogger } from 'fastify';
import { Redis, type RedisOptions } from 'ioredis';
import type { JSONWebKeySet } from 'jose';
import { Broker } from './broker.ts';
import { startOutboxRelay } from './relay.ts';

/** The variables the builder reads (every service's Config has them). */
export interface EventServiceConfig {
  LOG_LEVEL: string;
  DATABASE_URL: string;
  DATABASE_SCHEMA: string;
  /** default 10 */
  DATABASE_POOL_MAX?: number;
  AMQP_URL: string;
  AMQP_EXCHANGE: string;
  REDIS_URL: string;
  JWKS_URL: string;
}

/** What `setup` gets. `broker` is undefined only when the service was built with `messaging: false`. */
export interface EventServiceContext<B extends Broker | undefined = Broker> {
  app: App;
  orm: MikroORM;
  broker: B;
  redis: Redis;
  logger: FastifyBaseLogger;
  /**
   * Stops `s` when the app closes, before the relay and the connections. Last registered, first
   * stopped: register a worker before the consumers that feed it, a sweeper after them.
   */
  stopOnClose(s: { stop(): Promise<unknown> }): void;
}

export interface EventServiceOptions<M extends boolean = true> {
  /** 'orders' — logs, metrics, OpenAPI title */
  name: string;
  config: EventServiceConfig;
  /** the service's entities, `messagingEntities` included */
  entities: CreateOrmOptions['entities'];
  /** the service's migrations, `messagingMigration` first */
  migrations: CreateOrmOptions['migrations'];
  /** a fixed key set instead of fetching JWKS_URL (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
  openapi?: ServiceOptions['openapi'];
  /**
   * Options for the Redis client over the deny-list's (no offline queue, one retry per request).
   * The client always connects lazily, once the builder has a logger.
   */
  redisOptions?: RedisOptions;
  /** Wait for Redis's first connect (or its failure) before `setup` (a cache usable from the first request). */
  waitForRedis?: boolean;
  /** false: HTTP only — no broker, relay or rabbitmq readiness check (tests of the routes alone) */
  messaging?: M;
  /** The service's own part: routes, consumers, workers. Runs once everything above is up. */
  setup(ctx: EventServiceContext<M extends true ? Broker : Broker | undefined>): Promise<void>;
}

/**
 * Builds a service: createOrm → Redis → createService → Broker.connect → startOutboxRelay → setup.
 * `app.close()` stops what setup registered with `stopOnClose` (last first; consumers finish the
 * messages in hand), then the relay, the broker, Redis and the ORM.
 */
export async function buildEventService<M extends boolean = true>(
  opts: EventServiceOptions<M>,
): Promise<App> {
  const { config } = opts;
  const messaging = opts.messaging !== false;
  // Everything opened so far; closed last first, on app.close() and on a failed start.
  const opened: (() => Promise<unknown>)[] = [];
  let logger: FastifyBaseLogger | undefined;
  const closeAll = async () => {
    for (let close = opened.pop(); close; close = opened.pop()) {
      await close().catch((err) => logger?.error({ err }, 'close failed'));
    }
  };
  let app: App | undefined;
  try {
    const orm = await createOrm({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      entities: opts.entities,
      migrations: opts.migrations,
      poolMax: config.DATABASE_POOL_MAX,
    });
    opened.push(() => orm.close(true));

    // Redis is an accelerator (kit's rule): when it is down requests pass, so they must never queue
    // behind it.
    const redis = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      ...opts.redisOptions,
      lazyConnect: true,
    });
    // disconnect, not quit: quit waits for a reply that never comes while Redis is unreachable,
    // and the client would keep reconnecting (and the process alive) meanwhile.
    opened.push(async () => redis.disconnect());

    let broker: Broker | undefined;
    app = await createService({
      name: opts.name,
      logLevel: config.LOG_LEVEL,
      auth: opts.jwks ? { jwks: opts.jwks, redis } : { jwksUrl: config.JWKS_URL, redis },
      readiness: {
        postgres: () => orm.em.fork().execute('select 1'),
        // Not Redis: a pod without it still answers every route.
        ...(messaging ? { rabbitmq: async () => broker?.check() } : {}),
      },
      openapi: opts.openapi,
    });
    app.addHook('onClose', closeAll);
    const log = app.log;
    logger = log;

    redis.on('error', (err) => log.debug({ err }, 'redis error')); // it reconnects by itself
    const redisConnected = redis
      .connect()
      .catch((err) => log.warn({ err }, 'redis unreachable; it is skipped until it is back'));

    if (messaging) {
      const connected = await Broker.connect({
        url: config.AMQP_URL,
        exchange: config.AMQP_EXCHANGE,
        logger: log,
      });
      broker = connected;
      opened.push(() => connected.close());
      const relay = startOutboxRelay({ orm, broker, logger: log });
      opened.push(() => relay.stop());
    }
    if (opts.waitForRedis) await redisConnected;

    await opts.setup({
      app,
      orm,
      broker: broker as M extends true ? Broker : Broker | undefined,
      redis,
      logger: log,
      stopOnClose: (s) => opened.push(() => s.stop()),
    });
    return app;
  } catch (err) {
    // app.close() runs closeAll (its onClose hook); closeAll again covers what came before the app.
    await app?.close().catch((closeErr) => logger?.error({ err: closeErr }, 'close failed'));
    await closeAll();
    throw err;
  }
}
