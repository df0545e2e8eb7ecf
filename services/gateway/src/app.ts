import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import { type App, createService } from '@mercato/kit';
import { Redis } from 'ioredis';
import type { JSONWebKeySet } from 'jose';
import type { GatewayConfig } from './config.ts';
import { configuredUpstreams, corsOrigins } from './domain/routes.ts';
import { registerAggregatedDocs } from './plugins/docs.ts';
import { registerProxies } from './plugins/proxy.ts';
import { registerRateLimit } from './plugins/rate-limit.ts';

export interface GatewayDeps {
  /** A fixed key set instead of fetching JWKS_URL (tests). */
  jwks?: JSONWebKeySet;
}

// How long start-up waits for Redis before going on without it (the limiter then fails open or closed).
const REDIS_CONNECT_WAIT_MS = 2_000;

export async function buildApp(config: GatewayConfig, deps: GatewayDeps = {}): Promise<App> {
  const upstreams = configuredUpstreams(config);

  // Fail fast instead of queueing: a rate-limit check that waits for Redis to come back would hold
  // every request; an immediate error lets the limiter apply RATE_LIMIT_FAIL_OPEN.
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 2_000,
    // Every proxied request counts in Redis: commands issued in the same tick share one write,
    // which under load is most of the limiter's cost.
    enableAutoPipelining: true,
  });
  redis.on('error', () => {}); // reconnects on its own; readiness reports the state
  await Promise.race([
    redis.connect().catch(() => {}),
    new Promise((resolve) => setTimeout(resolve, REDIS_CONNECT_WAIT_MS).unref()),
  ]);

  const app = await createService({
    name: config.SERVICE_NAME ?? 'gateway',
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
    auth: deps.jwks ? { jwks: deps.jwks } : { jwksUrl: config.JWKS_URL },
    readiness: {
      redis: () => redis.ping(),
      ...(config.READY_REQUIRES_UPSTREAMS
        ? Object.fromEntries(
            upstreams.map((u) => [
              u.service,
              async () => {
                const res = await fetch(`${u.url}/healthz`, { signal: AbortSignal.timeout(1_500) });
                if (!res.ok) throw new Error(`${u.service} /healthz answered ${res.status}`);
              },
            ]),
          )
        : {}),
    },
    openapi: { title: 'Mercato API' },
  });
  app.addHook('onClose', async () => {
    redis.disconnect();
  });

  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      // Locally the gateway speaks plain HTTP: upgrading Swagger UI's own script and style URLs to
      // https would leave /docs blank. TLS, where there is any, ends at the ingress in front.
      directives: { upgradeInsecureRequests: null },
    },
  });
  await app.register(cors, {
    origin: corsOrigins(config.CORS_ORIGINS),
    credentials: true,
    exposedHeaders: [
      'x-request-id',
      'etag',
      'location',
      'retry-after',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
    ],
    maxAge: 600,
  });

  registerAggregatedDocs(app, {
    upstreams,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    cacheTtlMs: config.DOCS_CACHE_TTL_MS,
  });

  await app.register(async (proxied) => {
    await registerRateLimit(proxied as App, {
      redis,
      ipMax: config.RATE_LIMIT_IP_MAX,
      userMax: config.RATE_LIMIT_USER_MAX,
      windowMs: config.RATE_LIMIT_WINDOW_MS,
      prefix: config.RATE_LIMIT_REDIS_PREFIX,
      failOpen: config.RATE_LIMIT_FAIL_OPEN,
      trustProxy: config.TRUST_PROXY,
    });
    await registerProxies(proxied as App, {
      upstreams,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      bodyLimit: config.BODY_LIMIT_BYTES,
    });
  });

  app.log.info(
    { routes: upstreams.flatMap((u) => u.prefixes.map((p) => `${p} -> ${u.url}`)) },
    'gateway routes',
  );
  return app;
}
