import cors from '@fastify/cors';
import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import type { GatewayConfig } from './config.ts';
import { TrustedProxies } from './domain/client-address.ts';
import { configuredUpstreams, corsAllowList, type Upstream } from './domain/routes.ts';
import aggregatedDocs from './plugins/docs.ts';
import noStore from './plugins/no-store.ts';
import proxies from './plugins/proxy.ts';
import rateLimit from './plugins/rate-limit.ts';
import securityHeaders from './plugins/security-headers.ts';
import webProxy from './plugins/web.ts';

export interface GatewayDeps {
  /** A fixed key set instead of fetching JWKS_URL (tests). */
  jwks?: JSONWebKeySet;
}

// How long start-up waits for Redis before going on without it (the limiter then fails open or closed).
const REDIS_CONNECT_WAIT_MS = 2_000;

/** The gateway owns no data and handles no events: no database, no broker; Redis for the limiter. */
export async function buildApp(config: GatewayConfig, deps: GatewayDeps = {}): Promise<App> {
  const upstreams = configuredUpstreams(config);
  const corsOrigins = corsAllowList(config.CORS_ORIGINS);
  const trustedProxies = new TrustedProxies(config.TRUSTED_PROXIES);

  return buildService({
    name: config.SERVICE_NAME ?? 'gateway',
    config,
    redis: {
      // Fail fast instead of queueing: a rate-limit check that waits for Redis to come back would
      // hold every request; an immediate error lets the limiter apply RATE_LIMIT_FAIL_OPEN.
      options: {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: 500,
        connectTimeout: 2_000,
        // Every proxied request counts in Redis: commands issued in the same tick share one write,
        // which under load is most of the limiter's cost.
        enableAutoPipelining: true,
      },
      wait: REDIS_CONNECT_WAIT_MS,
      // Not in /readyz: the gateway serves without Redis (the limiter fails open or answers 503 by
      // RATE_LIMIT_FAIL_OPEN), so a lost cache must not take the entry point out of rotation.
      readiness: false,
    },
    // Each service behind the gateway checks the logout deny-list itself; here the token only keys
    // the per-user rate limit, so no Redis lookup per new token.
    auth: { jwks: deps.jwks, denyList: false },
    readiness: config.READY_REQUIRES_UPSTREAMS ? upstreamChecks(upstreams) : {},
    openapi: { title: 'Mercato API' },
    bodyLimit: config.BODY_LIMIT_BYTES,
    async setup({ app }) {
      await app.register(securityHeaders, {
        contentSecurityPolicy: {
          // Locally the gateway speaks plain HTTP: upgrading Swagger UI's own script and style URLs
          // to https would leave /docs blank. TLS, where there is any, ends at the ingress in front.
          directives: { upgradeInsecureRequests: null },
        },
      });
      // Only a listed origin gets a grant (echoed, with Vary: Origin) and credentials; any other,
      // `null` included, gets no CORS header at all.
      const allowed = new Set(corsOrigins);
      const grant = {
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
      };
      await app.register(cors, {
        delegator: (request, callback) => {
          const origin = request.headers.origin;
          const listed = origin !== undefined && allowed.has(origin);
          callback(null, { ...grant, origin: listed ? origin : false, credentials: listed });
        },
      });
      await app.register(noStore);

      await app.register(aggregatedDocs, {
        upstreams,
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        cacheTtlMs: config.DOCS_CACHE_TTL_MS,
      });

      // One context for the limiter and the proxies: its hooks and error handler reach them only,
      // so probes, metrics and docs are never limited.
      await app.register(async (proxied) => {
        await proxied.register(rateLimit, {
          ipMax: config.RATE_LIMIT_IP_MAX,
          userMax: config.RATE_LIMIT_USER_MAX,
          windowMs: config.RATE_LIMIT_WINDOW_MS,
          prefix: config.RATE_LIMIT_REDIS_PREFIX,
          failOpen: config.RATE_LIMIT_FAIL_OPEN,
          trustProxy: config.TRUST_PROXY,
          trustedProxies,
        });
        await proxied.register(proxies, {
          upstreams,
          timeoutMs: config.UPSTREAM_TIMEOUT_MS,
          bodyLimit: config.BODY_LIMIT_BYTES,
          trustProxy: config.TRUST_PROXY,
          trustedProxies,
        });
      });

      // The storefront takes every path left over, in a context of its own (not API-rate-limited).
      if (config.WEB_URL)
        await app.register(webProxy, {
          url: config.WEB_URL,
          timeoutMs: config.UPSTREAM_TIMEOUT_MS,
          trustProxy: config.TRUST_PROXY,
          trustedProxies,
        });

      app.log.info(
        {
          routes: [
            ...upstreams.flatMap((u) => u.prefixes.map((p) => `${p} -> ${u.url}`)),
            ...(config.WEB_URL ? [`/ (everything else) -> ${config.WEB_URL}`] : []),
          ],
        },
        'gateway routes',
      );
    },
  });
}

/** READY_REQUIRES_UPSTREAMS: /readyz also asks every configured upstream's /healthz. */
function upstreamChecks(upstreams: Upstream[]): Record<string, () => Promise<unknown>> {
  return Object.fromEntries(
    upstreams.map((u) => [
      u.service,
      async () => {
        const res = await fetch(`${u.url}/healthz`, { signal: AbortSignal.timeout(1_500) });
        if (!res.ok) throw new Error(`${u.service} /healthz answered ${res.status}`);
      },
    ]),
  );
}
