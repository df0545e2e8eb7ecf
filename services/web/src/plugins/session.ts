// The browser holds one cookie: an opaque, signed session id (HttpOnly, SameSite=Lax, Secure when the
// page came over https). Everything else — the access and refresh tokens, a guest cart's token, the
// CSRF secret — lives in Redis under that id and never reaches the page, so script injected into a
// page has no token to steal. Forms that change anything carry a CSRF token bound to the session.
import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import session from '@fastify/session';
import type { FastifyInstance, FastifyRequest, Session } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { type Mercato, mercatoClient, type Tokens } from '../api/client.ts';
import { SharedRefresh } from '../api/refresh.ts';

export interface SessionUser {
  id: string;
  email: string;
  username?: string;
  role: 'customer' | 'admin';
}

declare module 'fastify' {
  interface Session {
    user?: SessionUser;
    tokens?: Tokens;
    /** A guest cart's token (X-Cart-Token), until it is merged into the customer's cart. */
    cartToken?: string;
    /** One message shown on the next page (after a redirect). */
    cartCount?: number;
    flash?: { kind: 'info' | 'error'; text: string };
  }
  interface FastifyRequest {
    /** The API (@mercato/sdk) as this browser's session: its tokens, refreshed as needed. */
    mercato: Mercato;
  }
  interface FastifyReply {
    /** A CSRF token for this session's forms. */
    csrfToken(): string;
  }
}

export interface SessionOptions {
  redis: Redis;
  secrets: string[];
  ttlSeconds: number;
  prefix: string;
  apiUrl: string;
  apiTimeoutMs: number;
}

/** @fastify/session's store contract (express-session's), on Redis with a TTL per session. */
function redisStore(redis: Redis, prefix: string, ttlSeconds: number): session.SessionStore {
  return {
    set(id: string, value: unknown, callback: (err?: unknown) => void) {
      redis.set(`${prefix}${id}`, JSON.stringify(value), 'EX', ttlSeconds).then(() => callback(), callback);
    },
    get(id: string, callback: (err: unknown, value?: Session | null) => void) {
      redis.get(`${prefix}${id}`).then(
        (raw) => callback(null, raw ? JSON.parse(raw) : null),
        (err) => callback(err),
      );
    },
    destroy(id: string, callback: (err?: unknown) => void) {
      redis.del(`${prefix}${id}`).then(() => callback(), callback);
    },
  };
}

async function sessions(app: FastifyInstance, opts: SessionOptions): Promise<void> {
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(cookie);
  await app.register(session, {
    secret: opts.secrets,
    cookieName: 'mercato.sid',
    // Only sessions that hold something (a form's CSRF secret, a cart, a login) are stored.
    saveUninitialized: false,
    store: redisStore(opts.redis, opts.prefix, opts.ttlSeconds),
    // 128 bits of randomness, base64url.
    idGenerator: () => randomBytes(24).toString('base64url'),
    cookie: {
      path: '/',
      httpOnly: true,
      // Lax: a cross-site POST (a form on another site aimed here) arrives without the cookie.
      sameSite: 'lax',
      // Secure whenever the request came over https (X-Forwarded-Proto from a trusted proxy).
      secure: 'auto',
      maxAge: opts.ttlSeconds * 1000,
    },
  });
  await app.register(csrf, {
    sessionPlugin: '@fastify/session',
    // Forms send it as a hidden field; script (the order page's) as a header.
    getToken: (request: FastifyRequest) =>
      (request.body as Record<string, string> | undefined)?._csrf ??
      (request.headers['x-csrf-token'] as string | undefined),
  });
  app.decorateReply('csrfToken', function (this: { generateCsrf(): string }) {
    return this.generateCsrf();
  });

  // Refreshes are single-flight per refresh token across every replica sharing this Redis.
  const refreshes = new SharedRefresh({
    redis: opts.redis,
    prefix: `${opts.prefix}refresh:`,
    timeoutMs: opts.apiTimeoutMs,
  });
  app.decorateRequest('mercato', {
    getter(this: FastifyRequest) {
      // Read lazily: after sign-in the session object is a new one (regenerated).
      return mercatoClient(
        opts.apiUrl,
        opts.apiTimeoutMs,
        {
          get: () => this.session.get('tokens'),
          set: (tokens) => this.session.set('tokens', tokens),
        },
        {
          refreshes,
          // The visitor's address (the gateway's X-Forwarded-For, believed from TRUST_PROXY only).
          clientAddress: this.ip,
          // The refresh token was refused (expired, revoked, reused): signed out.
          onSessionEnd: () => this.session.set('user', undefined),
        },
      );
    },
  });

  // Every state change is a POST from one of our forms (or the order page's script): its token must
  // match the session's. Checked after the body is parsed (the token is a form field).
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'GET' || request.method === 'HEAD') return done();
    app.csrfProtection(request, reply, done);
  });
}

export default fp(sessions, { name: 'web-sessions' });
