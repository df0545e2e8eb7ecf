import rateLimit from '@fastify/rate-limit';
import { HttpProblem, problems } from '@mercato/kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { clientAddress, type TrustedProxies } from '../domain/client-address.ts';
import { LeasedCounter } from '../domain/leased-counter.ts';
import { isSignedCallback, rateLimitKey } from '../domain/routes.ts';
import { VerifiedTokenCache } from '../domain/token-cache.ts';
import { leasedStore, redisLease } from './leased-store.ts';

export interface RateLimitOptions {
  ipMax: number;
  userMax: number;
  windowMs: number;
  prefix: string;
  failOpen: boolean;
  /**
   * Take the client address from X-Forwarded-For (only behind an ingress that sets it). Not Fastify's
   * trustProxy: that would also make request.protocol and request.host follow X-Forwarded-Proto and
   * -Host, which the proxies pass on; request.ip stays the socket's peer.
   */
  trustProxy: boolean;
  /** TRUSTED_PROXIES: peers (the storefront) whose X-Forwarded-For names the client they call for. */
  trustedProxies?: TrustedProxies;
}

// A token check must not hold a request up when identity's key set cannot be fetched: the client
// is then counted by IP, and the upstream still verifies the token itself.
const TOKEN_CHECK_TIMEOUT_MS = 500;

/**
 * Counts requests in Redis (the builder's `app.redis`) per user (a valid Bearer token's sub) or else
 * per client IP, in batches leased from the shared counter (domain/leased-counter.ts: never past the
 * limit across replicas; a busy client's batch is spent locally, without a round trip per request).
 * Registered in the proxies' context only, so probes, metrics and docs are never limited;
 * fastify-plugin so that its hooks and error handler cover the proxies registered beside it.
 */
async function gatewayRateLimit(app: FastifyInstance, opts: RateLimitOptions): Promise<void> {
  const redis = app.redis;
  if (!opts.failOpen) {
    // Fail closed: with Redis unreachable nothing can be counted, so nothing is let through.
    app.addHook('onRequest', async () => {
      if (redis.status !== 'ready') throw limiterUnavailable();
    });
    // Redis may also fail between that check and the count; the limiter then throws a plain
    // error. Upstream failures arrive as HttpProblems, so a plain one here is the limiter's.
    // Rethrowing hands the problem to the kit's error handler, which formats it.
    app.setErrorHandler((error, request) => {
      if (error instanceof HttpProblem || (error as { statusCode?: number }).statusCode !== undefined)
        throw error;
      request.log.warn({ err: error }, 'rate limiter: Redis failed, request refused (fail closed)');
      throw limiterUnavailable();
    });
  }

  const authenticate = app.authenticate;
  const verified = new VerifiedTokenCache();
  const clientKey = async (request: FastifyRequest): Promise<string> => {
    let sub: string | undefined;
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const token = header.slice(7).trim();
      sub = verified.get(token);
      if (sub === undefined) {
        try {
          await withTimeout(
            authenticate(request, undefined as unknown as FastifyReply),
            TOKEN_CHECK_TIMEOUT_MS,
          );
          sub = request.user.sub;
          verified.remember(token, sub);
        } catch {
          // An invalid or expired token proves nobody: the request counts against its IP.
        }
      }
    }
    return rateLimitKey({
      sub,
      ip: clientAddress(request.ip, request.headers['x-forwarded-for'], opts.trustProxy, opts.trustedProxies),
    });
  };

  await app.register(rateLimit, {
    store: leasedStore(new LeasedCounter(redisLease(redis, opts.prefix))),
    keyGenerator: clientKey,
    allowList: (request) => isSignedCallback(request.method, request.url),
    max: (_request, key) => (key.startsWith('user:') ? opts.userMax : opts.ipMax),
    timeWindow: opts.windowMs,
    skipOnError: opts.failOpen,
    // IETF RateLimit-Limit / -Remaining / -Reset, and Retry-After on 429.
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
      return problems.tooManyRequests(
        `Rate limit of ${context.max} requests per ${context.after} exceeded; retry in ${retryAfter} s`,
        retryAfter,
      );
    },
  });
}

export default fp(gatewayRateLimit, {
  name: 'gateway-rate-limit',
  decorators: { fastify: ['authenticate', 'redis'] },
});

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function limiterUnavailable(): HttpProblem {
  return problems.serviceUnavailable('Rate limiting is unavailable; try again shortly');
}
