import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import helmet from '@fastify/helmet';
import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { FastifyError } from 'fastify';
import { ApiError } from './api/client.ts';
import type { Config } from './config.ts';
import sessions from './plugins/session.ts';
import accountRoutes from './routes/account/index.ts';
import adminRoutes from './routes/admin/index.ts';
import authRoutes from './routes/auth/index.ts';
import cartRoutes from './routes/cart/index.ts';
import checkoutRoutes from './routes/checkout/index.ts';
import { pageContext, safeNext, seeOther, sendPage } from './routes/common.ts';
import emailLinkRoutes from './routes/email-links/index.ts';
import orderRoutes from './routes/orders/index.ts';
import shopRoutes from './routes/shop/index.ts';
import { errorPage } from './views/customer.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway the storefront calls. */
    apiUrl: string;
    /** How often the live order stream asks for the status. */
    orderPollMs: number;
  }
}

const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'site.css': {
    type: 'text/css; charset=utf-8',
    body: readFileSync(new URL('../assets/site.css', import.meta.url)),
  },
  'favicon.svg': {
    type: 'image/svg+xml',
    body: readFileSync(new URL('../assets/favicon.svg', import.meta.url)),
  },
  'order-status.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(new URL('../assets/order-status.js', import.meta.url)),
  },
};

/**
 * The storefront and admin area: server-rendered pages, a backend for the browser. It owns no data:
 * every page is made from calls to the API through the gateway, as the signed-in customer.
 */
export async function buildApp(config: Config): Promise<App> {
  const secrets = config.SESSION_SECRET
    ? config.SESSION_SECRET.split(',').map((s) => s.trim())
    : [randomBytes(32).toString('base64url')];
  const trusted = config.TRUST_PROXY.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return buildService({
    name: config.SERVICE_NAME ?? 'web',
    config,
    // Sessions live in Redis: the start waits for it, and /readyz reports it (no sessions, no shop).
    redis: { wait: 'settle', readiness: true },
    auth: false,
    messaging: false,
    trustProxy: trusted.length ? trusted : false,
    openapi: { title: 'Mercato storefront (HTML pages; not an API)' },
    async setup({ app, redis }) {
      app.decorate('apiUrl', config.API_URL.replace(/\/+$/, ''));
      app.decorate('orderPollMs', config.ORDER_POLL_MS);

      await app.register(async (pages) => {
        // Pages are not API operations: kept out of the OpenAPI document (and so out of its checks).
        pages.addHook('onRoute', (route) => {
          route.schema = { ...(route.schema ?? {}), hide: true };
        });
        await pages.register(helmet, {
          contentSecurityPolicy: {
            directives: {
              defaultSrc: ["'self'"],
              scriptSrc: ["'self'"],
              styleSrc: ["'self'"],
              imgSrc: ["'self'", 'data:'],
              formAction: ["'self'"],
              frameAncestors: ["'none'"],
              upgradeInsecureRequests: null,
            },
          },
        });
        await pages.register(sessions, {
          redis,
          secrets,
          ttlSeconds: config.SESSION_TTL_SECONDS,
          prefix: config.SESSION_REDIS_PREFIX,
          apiUrl: app.apiUrl,
          apiTimeoutMs: config.API_TIMEOUT_MS,
        });

        pages.setErrorHandler(async (error: FastifyError, request, reply) => {
          if (error instanceof ApiError && error.status === 401 && request.method === 'GET') {
            // The session's tokens are gone (expired, revoked): sign in again, then come back.
            request.session.set('user', undefined);
            request.session.set('tokens', undefined);
            return seeOther(reply, `/login?next=${encodeURIComponent(safeNext(request.url))}`);
          }
          const status =
            error instanceof ApiError
              ? [400, 403, 404, 409, 422, 429].includes(error.status)
                ? error.status
                : 502
              : error.statusCode && error.statusCode < 500
                ? error.statusCode
                : 500;
          if (status >= 500) request.log.error({ err: error }, 'page failed');
          else request.log.info({ err: { message: error.message, code: error.code } }, 'page refused');
          const title =
            status === 403
              ? 'Not allowed'
              : status === 404
                ? 'Not found'
                : status === 429
                  ? 'Too many requests'
                  : status < 500
                    ? 'That did not work'
                    : 'Something went wrong';
          const detail = error.code?.startsWith('FST_CSRF')
            ? 'The form expired. Go back, reload the page and try again.'
            : status === 404
              ? 'There is nothing here.'
              : status === 429
                ? 'Please wait a minute and try again.'
                : status < 500
                  ? error instanceof ApiError
                    ? error.message
                    : 'The request was not understood.'
                  : 'The shop could not answer just now. Please try again in a moment.';
          let ctx: ReturnType<typeof pageContext>;
          try {
            ctx = pageContext(request, reply);
          } catch {
            ctx = { csrf: '' };
          }
          return sendPage(reply, errorPage(ctx, status, title, detail), status);
        });

        pages.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
          const asset = ASSETS[request.params.name];
          if (!asset) return reply.code(404).type('text/plain').send('not found');
          return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
        });
        await pages.register(shopRoutes);
        await pages.register(authRoutes);
        await pages.register(emailLinkRoutes);
        await pages.register(cartRoutes);
        await pages.register(checkoutRoutes);
        await pages.register(orderRoutes);
        await pages.register(accountRoutes);
        await pages.register(adminRoutes);
      });
    },
  });
}
