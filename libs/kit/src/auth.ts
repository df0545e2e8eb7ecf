import { KeyObject } from 'node:crypto';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTHeaderParameters } from 'jose';
import { HttpProblem, problems } from './problems.ts';

export type Role = 'customer' | 'admin';
export interface AuthUser {
  sub: string;
  role: Role;
  jti: string;
  email?: string;
}
export interface AuthOptions {
  /** identity's key set, e.g. http://identity:8080/auth/.well-known/jwks.json */
  jwksUrl?: string;
  /** a fixed key set (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
  /** enables the logout deny-list check on `auth:denied:<jti>` */
  redis?: Redis;
}
type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: Record<string, unknown>;
    user: AuthUser;
  }
}
declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: verifies the Bearer token → request.user, 401 problem otherwise */
    authenticate: PreHandler;
    /** preHandler: authenticate, then 403 unless request.user.role is `role` */
    requireRole(role: Role): PreHandler;
  }
}

export const ISSUER = 'mercato-identity';
/** Marks the auth preHandlers so createService can document those routes as needing a bearer token. */
export const AUTH_PREHANDLER = Symbol.for('mercato.kit.auth-prehandler');
const marked = (fn: PreHandler): PreHandler => Object.assign(fn, { [AUTH_PREHANDLER]: true });
const DENY_PREFIX = 'auth:denied:';
// A deny-list lookup must not hold a request hostage: Redis is an accelerator, not a dependency.
const DENY_CHECK_TIMEOUT_MS = 250;

/**
 * Verification of identity's access tokens. @fastify/jwt (fast-jwt) does the verifying; jose's
 * JWKS helpers do key selection and the fetch/cache/refetch-on-unknown-kid of the remote set.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthOptions) => {
    const keySet = opts.jwks
      ? createLocalJWKSet(opts.jwks)
      : opts.jwksUrl
        ? // cooldown 1 s: a rotated key is picked up at once, while a flood of made-up kids
          // still costs identity at most one fetch a second.
          createRemoteJWKSet(new URL(opts.jwksUrl), { cooldownDuration: 1_000, timeoutDuration: 5_000 })
        : undefined;
    if (!keySet) throw new Error('auth: give jwksUrl or jwks');

    // fast-jwt wants PEM; converting once per key object keeps verification cheap.
    const pems = new WeakMap<object, string>();
    const publicKeyFor = async (header: JWTHeaderParameters): Promise<string> => {
      let key: Awaited<ReturnType<typeof keySet>>;
      try {
        key = await keySet(header, { payload: '', signature: '' });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ERR_JWKS_TIMEOUT' || !code?.startsWith('ERR_J')) {
          app.log.error({ err }, 'auth: cannot fetch the signing key set');
          throw problems.serviceUnavailable('The signing keys cannot be fetched right now');
        }
        throw problems.unauthorized('The token is signed with an unknown key');
      }
      let pem = pems.get(key);
      if (!pem) {
        const keyObject = key instanceof KeyObject ? key : KeyObject.from(key as never);
        pem = keyObject.export({ type: 'spki', format: 'pem' }) as string;
        pems.set(key, pem);
      }
      return pem;
    };

    await app.register(fastifyJwt, {
      secret: {
        // decode.complete makes @fastify/jwt hand us { header, payload }: the header names the key.
        public: async (_request: FastifyRequest, token: any) => {
          return publicKeyFor((token as { header: JWTHeaderParameters }).header);
        },
      },
      decode: { complete: true },
      // A customer's token comes back many times in its 15 minutes, to every service on its way: an
      // Ed25519 verification is ~0.1-0.2 ms of CPU, a cached one ~3 µs (fast-jwt keys the cache by the
      // token's hash and honours exp/nbf). Revocation is not cached: the deny-list is read every time.
      // The short TTL bounds how long a token signed with a key that was since withdrawn still passes.
      verify: { algorithms: ['EdDSA'], allowedIss: ISSUER, cache: 10_000, cacheTTL: 60_000 },
    });

    const isDenied = async (request: FastifyRequest, jti: string): Promise<boolean> => {
      const redis = opts.redis;
      if (!redis) return false;
      if (redis.status !== 'ready') {
        request.log.warn({ redisStatus: redis.status }, 'auth: Redis unavailable, deny-list check skipped');
        return false;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        const found = await Promise.race([
          redis.exists(DENY_PREFIX + jti),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('deny-list check timed out')), DENY_CHECK_TIMEOUT_MS);
          }),
        ]);
        return found === 1;
      } catch (err) {
        request.log.warn({ err }, 'auth: deny-list check failed, skipped');
        return false;
      } finally {
        clearTimeout(timer);
      }
    };

    const authenticate: PreHandler = async (request) => {
      try {
        await request.jwtVerify();
      } catch (err) {
        if (err instanceof HttpProblem) throw err;
        const e = err as { statusCode?: number; message?: string };
        // @fastify/jwt's own messages are written for clients ("Authorization token expired");
        // anything else fast-jwt throws (wrong alg, garbage) is still just a bad token.
        request.log.debug({ err }, 'auth: token rejected');
        throw problems.unauthorized(
          e.statusCode === 401 || e.statusCode === 400 ? e.message : 'Authorization token is invalid',
        );
      }
      request.user = toUser(request.user);
      if (await isDenied(request, request.user.jti))
        throw problems.unauthorized('The token has been revoked');
    };

    app.decorate('authenticate', marked(authenticate));
    app.decorate(
      'requireRole',
      (role: Role): PreHandler =>
        marked(async (request, reply) => {
          await authenticate(request, reply);
          if (request.user.role !== role) throw problems.forbidden(`This requires the ${role} role`);
        }),
    );
  },
  { name: 'mercato-auth' },
);

/** Without auth options, the decorators still exist so routes register, but every call fails loudly. */
export const noAuthPlugin = fp(
  async (app: FastifyInstance) => {
    const notConfigured: PreHandler = async () => {
      throw new Error('auth is not configured: pass `auth` to createService');
    };
    app.decorate('authenticate', marked(notConfigured));
    app.decorate('requireRole', () => marked(notConfigured));
  },
  { name: 'mercato-auth' },
);

function toUser(payload: unknown): AuthUser {
  const p = (payload ?? {}) as Record<string, unknown>;
  if (
    typeof p.sub !== 'string' ||
    typeof p.jti !== 'string' ||
    (p.role !== 'customer' && p.role !== 'admin')
  ) {
    // Signed by identity but not an access token we understand (e.g. missing role): not accepted.
    throw problems.unauthorized('Authorization token is invalid: missing sub, jti or role');
  }
  const user: AuthUser = { sub: p.sub, role: p.role, jti: p.jti };
  if (typeof p.email === 'string') user.email = p.email;
  return user;
}
