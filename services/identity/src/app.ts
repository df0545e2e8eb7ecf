import { createOrm, type MikroORM } from '@mercato/db';
import { type App, createService } from '@mercato/kit';
import { Broker, startOutboxRelay } from '@mercato/messaging';
import { Redis } from 'ioredis';
import pino from 'pino';
import { migrations } from '../migrations/index.ts';
import { ensureAdmin } from './accounts.ts';
import type { Config } from './config.ts';
import { DEFAULT_ADMIN_PASSWORD } from './config.ts';
import { entities } from './entities.ts';
import { loadSigningKey } from './keys.ts';
import { LoginThrottle } from './login-throttle.ts';
import './plugins/context.ts';
import addressRoutes from './routes/addresses/index.ts';
import authRoutes from './routes/auth/index.ts';
import userRoutes from './routes/users/index.ts';
import { Sessions } from './sessions.ts';

export interface Deps {
  /** e.g. a Redis client pointed at a TCP proxy in an outage test */
  redis?: Redis;
}

/**
 * The identity service, ready to listen: migrated schema, first admin present, outbox relay running.
 * `app.close()` stops the relay and closes the broker, Redis and the ORM.
 */
export async function buildApp(config: Config, deps: Deps = {}): Promise<App> {
  const production = config.NODE_ENV === 'production';
  // Start-up warnings come before the app (and its logger) exists.
  const bootLog = pino({
    level: config.LOG_LEVEL,
    base: { service: 'identity' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  if (production && config.MERCATO_ADMIN_PASSWORD === DEFAULT_ADMIN_PASSWORD)
    throw new Error('config: MERCATO_ADMIN_PASSWORD must be set (not the local default) in production');
  const signingKey = await loadSigningKey(config.JWT_PRIVATE_KEY, {
    production,
    warn: (msg) => bootLog.warn(msg),
  });

  const cleanup: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
  };
  try {
    // No offline queue: when Redis is away, commands fail at once instead of holding requests.
    const redis =
      deps.redis ??
      new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    if (!deps.redis) {
      // Without a listener ioredis reports every failed reconnect as an unhandled error event.
      redis.on('error', (err) => bootLog.warn({ err }, 'redis connection error'));
      cleanup.push(() => redis.quit());
      await redis.connect();
    }
    const orm: MikroORM = await createOrm({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      entities,
      migrations,
    });
    cleanup.push(() => orm.close(true));
    const broker = await Broker.connect({
      url: config.AMQP_URL,
      exchange: config.AMQP_EXCHANGE,
      logger: bootLog,
    });
    cleanup.push(() => broker.close());

    const outcome = await ensureAdmin(orm.em.fork(), {
      email: config.MERCATO_ADMIN_EMAIL,
      password: config.MERCATO_ADMIN_PASSWORD,
    });
    if (outcome === 'created') bootLog.info({ email: config.MERCATO_ADMIN_EMAIL }, 'first admin created');

    const app = await createService({
      name: 'identity',
      logLevel: config.LOG_LEVEL,
      auth: { jwks: signingKey.jwks, redis },
      readiness: {
        postgres: () => orm.em.getConnection().execute('select 1'),
        rabbitmq: () => broker.check(),
        redis: () => redis.ping(),
      },
      openapi: { title: 'Mercato identity', description: 'Users, authentication and addresses' },
    });
    const relay = startOutboxRelay({ orm, broker, logger: app.log });
    cleanup.push(() => relay.stop());

    app.decorate('config', config);
    app.decorate('orm', orm);
    app.decorate('redis', redis);
    app.decorate('signingKey', signingKey);
    app.decorate(
      'sessions',
      new Sessions({
        redis,
        key: signingKey,
        accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
        refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
        log: app.log,
      }),
    );
    const accountPolicy = {
      slowdownAfter: config.LOGIN_SLOWDOWN_AFTER,
      lockAfter: config.LOGIN_LOCK_AFTER,
      slowdownBaseMs: config.LOGIN_SLOWDOWN_BASE_MS,
      lockMs: config.LOGIN_LOCK_SECONDS * 1000,
    };
    app.decorate(
      'loginThrottle',
      new LoginThrottle(
        redis,
        {
          account: accountPolicy,
          ip: {
            ...accountPolicy,
            slowdownAfter: accountPolicy.slowdownAfter * config.LOGIN_IP_FACTOR,
            lockAfter: accountPolicy.lockAfter * config.LOGIN_IP_FACTOR,
          },
        },
        config.LOGIN_WINDOW_SECONDS,
        app.log,
      ),
    );
    // Runs after the server stopped taking requests: relay first, then the connections it uses.
    app.addHook('onClose', closeAll);

    await app.register(authRoutes);
    await app.register(userRoutes);
    await app.register(addressRoutes);
    return app;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
