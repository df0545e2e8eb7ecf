// The one way every Mercato service starts (the analogue of eShop's ServiceDefaults): the HTTP
// service from @mercato/kit (logs, problem+json, auth, probes, metrics, OpenAPI), and, as options,
// its PostgreSQL schema (migrated), a Redis client, the broker with its outbox relay, and typed
// consumers. The service's own part — plugins, routes, consumers, workers — goes in `setup`.
// `app.close()` closes everything in reverse order of start; a failed start closes whatever it had
// opened and rethrows.
// DATABASE_MIGRATIONS=only turns the same start into the migrate step: migrate (and grant the runtime
// role), then return an app that runService closes and exits 0 with — no Redis, broker or setup.
import { hostname } from 'node:os';
import type { EventMap } from '@mercato/contracts';
import type { CreateOrmOptions, MigrationsMode, MikroORM } from '@mercato/db';
import { type App, createService, type ServiceOptions } from '@mercato/kit';
import type { Broker, Consumer, EventHandlers, OutboxRelayOptions } from '@mercato/messaging';
import type { FastifyBaseLogger } from 'fastify';
import { Redis, type RedisOptions } from 'ioredis';
import type { JSONWebKeySet } from 'jose';

// The database and the broker are loaded only by a service that has them: a service without
// (the gateway, web) would otherwise load MikroORM, kysely, pg and amqplib at every start, with the
// OpenTelemetry instrumentations of pg and amqplib, and keep their code in memory for nothing (the
// gateway's idle RSS, issue 14). The build bundles each into a chunk of its own (scripts/build).
const loadDatabase = () => import('@mercato/db');
const loadMessaging = () => import('@mercato/messaging');

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's ORM, bound to its own schema (services built with `database`). */
    orm: MikroORM;
    /** The service's Redis client (services built with Redis; an accelerator: it may be down). */
    redis: Redis;
  }
}

/** The variables the builder reads; every service's Config has the ones its options need. */
export interface ServiceConfig {
  LOG_LEVEL: string;
  DATABASE_URL?: string;
  DATABASE_SCHEMA?: string;
  /** default 10 */
  DATABASE_POOL_MAX?: number;
  /** default 'startup'; see @mercato/db */
  DATABASE_MIGRATIONS?: MigrationsMode;
  /** granted row rights on the schema after migrating */
  DATABASE_RUNTIME_ROLE?: string;
  AMQP_URL?: string;
  AMQP_EXCHANGE?: string;
  REDIS_URL?: string;
  JWKS_URL?: string;
}

export interface DatabaseOptions {
  /** the service's entities, `messagingEntities` included */
  entities: CreateOrmOptions['entities'];
  /** the service's migrations, `...messagingMigrations` first (outbox and inbox, then their queue-table settings) */
  migrations: CreateOrmOptions['migrations'];
}

export type RedisSetting =
  | false
  | {
      /** a client made by the caller (tests: one pointed at a TCP proxy); it is not closed here */
      client?: Redis;
      /** options over the defaults (no offline queue, one retry per request) */
      options?: RedisOptions;
      /**
       * How start-up waits for the first connect: 'none' (default), 'settle' (until it connects or
       * fails: a cache usable from the first request), 'require' (a failure fails the start).
       * A number waits at most that many milliseconds.
       */
      wait?: 'none' | 'settle' | 'require' | number;
      /** Report Redis in /readyz (default false: a cache is not a reason to take a pod out) */
      readiness?: boolean;
    };

export interface ConsumeOptions {
  /** default: the builder's `consumers.retryDelaysMs` */
  retryDelaysMs?: number[];
  /** default: the builder's `consumers.prefetch` */
  prefetch?: number;
  /** Messages handled per transaction under load (see @mercato/messaging's `batchSize`); default 1. */
  batchSize?: number;
}

/** What `setup` gets. `orm` and `broker` exist as the options asked for them. */
export interface ServiceContext {
  app: App;
  orm: MikroORM;
  broker: Broker;
  redis: Redis;
  logger: FastifyBaseLogger;
  /**
   * Starts a consumer named '<service>.<name>' with one typed handler per event type; it is stopped
   * when the app closes (finishing the messages in hand) before the relay and the connections.
   */
  consume<M extends object = EventMap>(
    name: string,
    handlers: EventHandlers<M>,
    opts?: ConsumeOptions,
  ): Promise<Consumer>;
  /**
   * Stops `s` when the app closes, before the relay and the connections. Last registered, first
   * stopped: register a worker before the consumers that feed it, a sweeper after them.
   */
  stopOnClose(s: { stop(): Promise<unknown> }): void;
}

export interface BuildServiceOptions {
  /** 'orders' — logs, metrics, OpenAPI title, consumer queue names */
  name: string;
  config: ServiceConfig;
  /** The service owns a PostgreSQL schema: the ORM is created and migrated before anything else. */
  database?: DatabaseOptions;
  /**
   * The broker and the outbox relay (needs `database`). Default: on when there is a database.
   * false: HTTP only (tests of the routes alone).
   */
  messaging?: boolean;
  /**
   * relay tuning (tests); false: no relay, for a service that consumes events but never writes any
   * (the cart), so it does not poll an outbox that stays empty.
   */
  relay?: false | Pick<OutboxRelayOptions, 'pollIntervalMs'>;
  /** Defaults for every consumer of the service. */
  consumers?: ConsumeOptions;
  /** Redis: default a client on REDIS_URL when it is set (the logout deny-list uses it). */
  redis?: RedisSetting;
  /**
   * Verifying access tokens: default the key set at JWKS_URL; `jwks` a fixed one (identity's own,
   * tests' testAuth().jwks); false: no auth at all. `denyList: false` skips the logout deny-list
   * in Redis (the gateway, which only keys its rate limits by user; each service behind it checks).
   */
  auth?: false | { jwks?: JSONWebKeySet; denyList?: boolean };
  /** More /readyz checks besides the database's and the broker's. */
  readiness?: Record<string, () => Promise<unknown>>;
  openapi?: ServiceOptions['openapi'];
  bodyLimit?: ServiceOptions['bodyLimit'];
  trustProxy?: ServiceOptions['trustProxy'];
  /** The service's own part: plugins, routes, consumers, workers. Runs once everything above is up. */
  setup(ctx: ServiceContext): Promise<void>;
}

function required<K extends keyof ServiceConfig>(config: ServiceConfig, key: K, why: string) {
  const value = config[key];
  if (value === undefined) throw new Error(`buildService: ${key} is needed for ${why}`);
  return value as NonNullable<ServiceConfig[K]>;
}

/**
 * Builds a service: ORM → Redis → HTTP service → broker → relay → setup.
 * `app.close()` stops what setup registered (last first; consumers finish the messages in hand),
 * then the relay, the broker, Redis and the ORM.
 */
export async function buildService(opts: BuildServiceOptions): Promise<App> {
  const { config } = opts;
  const mode = config.DATABASE_MIGRATIONS ?? 'startup';
  try {
    if (mode === 'only') return await migrateOnly(opts);
    return await build(opts);
  } catch (err) {
    // The one line a misdeployed pod must show (the app's logger may not exist yet): in the app's
    // log format, before the rethrow that ends the process.
    if (opts.database && err instanceof (await loadDatabase()).MigrationsError)
      logFatal(opts.name, config.LOG_LEVEL, err.message);
    throw err;
  }
}

/** Marks an app built with DATABASE_MIGRATIONS=only: runService closes it and exits 0 (@mercato/kit). */
const MIGRATE_ONLY = Symbol.for('mercato.migrate-only');

async function migrateOnly(opts: BuildServiceOptions): Promise<App> {
  const { config } = opts;
  let applied: string[] = [];
  if (opts.database) {
    const { migrateDatabase } = await loadDatabase();
    applied = await migrateDatabase({
      url: required(config, 'DATABASE_URL', 'a database'),
      schema: required(config, 'DATABASE_SCHEMA', 'a database'),
      entities: opts.database.entities,
      migrations: opts.database.migrations,
      runtimeRole: config.DATABASE_RUNTIME_ROLE,
    });
  }
  // An app only to log in the service's format and to hand runService; it never listens.
  const app = await createService({ name: opts.name, logLevel: config.LOG_LEVEL });
  (app as unknown as Record<symbol, unknown>)[MIGRATE_ONLY] = true;
  if (opts.database) {
    app.log.info(
      { schema: config.DATABASE_SCHEMA, applied, runtimeRole: config.DATABASE_RUNTIME_ROLE },
      `migrated schema ${config.DATABASE_SCHEMA} (${applied.length} applied); DATABASE_MIGRATIONS=only: exiting`,
    );
  } else app.log.info('no database to migrate; DATABASE_MIGRATIONS=only: exiting');
  return app;
}

/** One JSON line with the fields of the kit's logger (level, time, service, pid, hostname, msg). */
function logFatal(name: string, logLevel: string, msg: string): void {
  if (logLevel === 'silent') return; // fatal is the highest level: every other one shows it
  const line = {
    level: 'fatal',
    time: new Date().toISOString(),
    service: name,
    pid: process.pid,
    hostname: hostname(),
    msg,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function build(opts: BuildServiceOptions): Promise<App> {
  const { config } = opts;
  const messaging = opts.database !== undefined && opts.messaging !== false;
  if (opts.messaging === true && !opts.database)
    throw new Error('buildService: messaging needs a database (the outbox and inbox live there)');
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
    let orm: MikroORM | undefined;
    if (opts.database) {
      const { createOrm } = await loadDatabase();
      const db = await createOrm({
        url: required(config, 'DATABASE_URL', 'a database'),
        schema: required(config, 'DATABASE_SCHEMA', 'a database'),
        entities: opts.database.entities,
        migrations: opts.database.migrations,
        poolMax: config.DATABASE_POOL_MAX,
        migrationsMode: config.DATABASE_MIGRATIONS,
        runtimeRole: config.DATABASE_RUNTIME_ROLE,
      });
      orm = db;
      opened.push(() => db.close(true));
    }

    const redis = openRedis(opts.redis, config);
    if (redis && !redis.external) opened.push(async () => redis.client.disconnect());

    let broker: Broker | undefined;
    app = await createService({
      name: opts.name,
      logLevel: config.LOG_LEVEL,
      bodyLimit: opts.bodyLimit,
      trustProxy: opts.trustProxy,
      auth: authOptions(
        opts.auth,
        config,
        opts.auth !== false && opts.auth?.denyList === false ? undefined : redis?.client,
      ),
      readiness: {
        ...(orm ? { postgres: () => (orm as MikroORM).em.fork().execute('select 1') } : {}),
        ...(messaging ? { rabbitmq: async () => broker?.check() } : {}),
        ...(redis?.readiness ? { redis: () => redis.client.ping() } : {}),
        ...opts.readiness,
      },
      openapi: opts.openapi,
    });
    app.addHook('onClose', closeAll);
    const log = app.log;
    logger = log;
    if (orm) app.decorate('orm', orm);
    if (redis) app.decorate('redis', redis.client);

    if (redis && !redis.external) {
      // ioredis reconnects by itself; without a listener every failed reconnect is an unhandled error.
      redis.client.on('error', (err) => log.debug({ err }, 'redis error'));
      await redis.connect(log);
    }

    const messagingLib = messaging ? await loadMessaging() : undefined;
    if (messagingLib && orm) {
      const { Broker, startOutboxRelay } = messagingLib;
      const connected = await Broker.connect({
        url: required(config, 'AMQP_URL', 'messaging'),
        exchange: required(config, 'AMQP_EXCHANGE', 'messaging'),
        logger: log,
      });
      broker = connected;
      opened.push(() => connected.close());
      if (opts.relay !== false) {
        const relay = startOutboxRelay({ orm, broker, logger: log, metrics: app.metrics, ...opts.relay });
        opened.push(() => relay.stop());
      }
    }

    const stopOnClose = (s: { stop(): Promise<unknown> }) => opened.push(() => s.stop());
    const unavailable = (what: string) =>
      new Proxy({} as never, {
        get(_t, prop) {
          throw new Error(`${opts.name}: ${what} is not configured (read .${String(prop)})`);
        },
      });
    await opts.setup({
      app,
      orm: orm ?? unavailable('the database'),
      broker: broker ?? unavailable('messaging'),
      redis: redis?.client ?? unavailable('Redis'),
      logger: log,
      stopOnClose,
      async consume(name, handlers, consumeOpts) {
        if (!broker || !orm || !messagingLib) throw new Error(`${opts.name}: consumers need messaging`);
        const consumer = await messagingLib.startConsumer({
          broker,
          orm,
          logger: log,
          name: `${opts.name}.${name}`,
          handlers,
          retryDelaysMs: consumeOpts?.retryDelaysMs ?? opts.consumers?.retryDelaysMs,
          prefetch: consumeOpts?.prefetch ?? opts.consumers?.prefetch,
          batchSize: consumeOpts?.batchSize ?? opts.consumers?.batchSize,
          metrics: app?.metrics,
        });
        stopOnClose(consumer);
        return consumer;
      },
    });
    return app;
  } catch (err) {
    // app.close() runs closeAll (its onClose hook); closeAll again covers what came before the app.
    await app?.close().catch((closeErr) => logger?.error({ err: closeErr }, 'close failed'));
    await closeAll();
    throw err;
  }
}

function authOptions(
  auth: BuildServiceOptions['auth'],
  config: ServiceConfig,
  denyList: Redis | undefined,
): ServiceOptions['auth'] {
  if (auth === false) return undefined;
  if (auth?.jwks) return { jwks: auth.jwks, redis: denyList };
  return { jwksUrl: required(config, 'JWKS_URL', 'verifying tokens'), redis: denyList };
}

interface OpenedRedis {
  client: Redis;
  /** made by the caller: neither connected nor closed here */
  external: boolean;
  readiness: boolean;
  connect(log: FastifyBaseLogger): Promise<void>;
}

function openRedis(setting: RedisSetting | undefined, config: ServiceConfig): OpenedRedis | undefined {
  if (setting === false) return undefined;
  if (setting?.client) {
    return {
      client: setting.client,
      external: true,
      readiness: setting.readiness ?? false,
      connect: async () => {},
    };
  }
  if (!config.REDIS_URL) return undefined;
  // Redis is an accelerator (kit's rule): when it is down requests pass, so they must never queue
  // behind it.
  const client = new Redis(config.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    ...setting?.options,
    lazyConnect: true,
  });
  const wait = setting?.wait ?? 'none';
  return {
    client,
    external: false,
    readiness: setting?.readiness ?? false,
    async connect(log) {
      const connecting = client.connect();
      if (wait === 'require') return connecting;
      const settled = connecting.catch((err) =>
        log.warn({ err }, 'redis unreachable; it is skipped until it is back'),
      );
      if (wait === 'settle') await settled;
      else if (typeof wait === 'number')
        await Promise.race([settled, new Promise((r) => setTimeout(r, wait).unref())]);
    },
  };
}
