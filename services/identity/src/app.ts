import { createOrm } from '@mercato/db';
import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { Redis } from 'ioredis';
import { migrations } from '../migrations/index.ts';
import { type Config, DEFAULT_ADMIN_PASSWORD } from './config.ts';
import { loadSigningKey } from './domain/signing-key.ts';
import { trustedProxies } from './domain/trusted-proxies.ts';
import { entities } from './persistence/entities.ts';
import { developmentKeyPem } from './persistence/signing-keys.ts';
import identityConfigPlugin from './plugins/identity-config.ts';
import loginThrottlePlugin from './plugins/login-throttle.ts';
import passwordResetWorkerPlugin from './plugins/password-reset-worker.ts';
import sessionsPlugin from './plugins/sessions.ts';
import signingKeyPlugin from './plugins/signing-key.ts';
import addressRoutes from './routes/addresses/index.ts';
import authRoutes from './routes/auth/index.ts';
import userRoutes from './routes/users/index.ts';
import { ensureAdmin } from './use-cases/ensure-admin.ts';
import { startDenyListResync } from './workers/deny-list-resync.ts';
import { startPasswordResetWorker } from './workers/password-reset-requests.ts';

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
  if (production && config.MERCATO_ADMIN_PASSWORD === DEFAULT_ADMIN_PASSWORD)
    throw new Error('config: MERCATO_ADMIN_PASSWORD must be set (not the local default) in production');
  // Loaded before the app: auth verifies tokens with its public half. Its warning waits for the
  // app's logger.
  const keyWarnings: string[] = [];
  const signingKey = await loadSigningKey(config.JWT_PRIVATE_KEY, {
    production,
    warn: (msg) => keyWarnings.push(msg),
    developmentKey: (generate) => storedDevelopmentKey(config, generate),
  });

  return buildService({
    name: 'identity',
    config,
    database: { entities, migrations },
    // The deny-list that logout writes lives in Redis: identity does not start without it. It is not
    // in /readyz: identity serves correctly while Redis is down, so losing it must not take the
    // replicas out of rotation (readiness is the database and the broker).
    redis: { client: deps.redis, wait: 'require', readiness: false },
    auth: { jwks: signingKey.jwks },
    // request.ip is the client the gateway names in X-Forwarded-For, believed only from the gateway.
    trustProxy: trustedProxies(config),
    openapi: { title: 'Mercato identity', description: 'Users, authentication and addresses' },
    async setup({ app, orm, redis, logger, stopOnClose }) {
      for (const msg of keyWarnings) logger.warn(msg);
      const outcome = await ensureAdmin(orm.em.fork(), {
        email: config.MERCATO_ADMIN_EMAIL,
        password: config.MERCATO_ADMIN_PASSWORD,
      });
      if (outcome === 'created') logger.info({ email: config.MERCATO_ADMIN_EMAIL }, 'first admin created');

      await app.register(identityConfigPlugin, { config });
      await app.register(signingKeyPlugin, { key: signingKey });
      await app.register(sessionsPlugin);
      await app.register(loginThrottlePlugin);
      const passwordResets = startPasswordResetWorker({
        orm,
        log: logger,
        intervalMs: config.PASSWORD_RESET_POLL_MS,
        ttlSeconds: config.PASSWORD_RESET_TTL_SECONDS,
      });
      stopOnClose(passwordResets);
      await app.register(passwordResetWorkerPlugin, { worker: passwordResets });

      await app.register(authRoutes, { prefix: '/auth' });
      await app.register(userRoutes, { prefix: '/users' });
      await app.register(addressRoutes, { prefix: '/addresses' });

      stopOnClose(
        startDenyListResync({ orm, redis, log: logger, intervalMs: config.DENY_LIST_RESYNC_SECONDS * 1000 }),
      );
    },
  });
}

/**
 * The development key from identity's schema, made there by the first replica that needs it. The ORM
 * is opened (and migrated) for this alone and closed again: auth must know the key before the service,
 * and with it the service's own ORM, is built. Never in production (JWT_PRIVATE_KEY is required there).
 */
async function storedDevelopmentKey(config: Config, generate: () => string): Promise<string> {
  const orm = await createOrm({
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    entities,
    migrations,
    poolMax: 1,
    // A runtime role without DDL rights (DATABASE_MIGRATIONS=off) must not migrate here either.
    migrationsMode: config.DATABASE_MIGRATIONS === 'off' ? 'off' : 'startup',
    runtimeRole: config.DATABASE_RUNTIME_ROLE,
  });
  try {
    return await developmentKeyPem(orm.em.fork(), generate);
  } finally {
    await orm.close(true);
  }
}
