import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { registerConsumers } from './consumers/index.ts';
import { entities } from './persistence/entities.ts';
import cartCaller from './plugins/cart-caller.ts';
import cartUseCases from './plugins/cart-use-cases.ts';
import cartsRoutes from './routes/carts/index.ts';
import { startSweeper } from './workers/sweeper.ts';

export interface AppDeps {
  /** A fixed key set instead of JWKS_URL (tests: testAuth().jwks). */
  jwks?: JSONWebKeySet;
  /** Consumer retry delays (tests shorten them). */
  retryDelaysMs?: number[];
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  return buildService({
    name: 'cart',
    config,
    database: { entities, migrations },
    consumers: { retryDelaysMs: deps.retryDelaysMs },
    // The cart writes no events (checkout goes through orders' API): nothing to relay.
    relay: false,
    auth: { jwks: deps.jwks },
    openapi: {
      description:
        "Carts: a customer's or a guest's lines, priced from local read models; checkout into orders",
      securitySchemes: {
        cartToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Cart-Token',
          description: 'The token of a guest cart, as POST /carts returned it',
        },
      },
    },
    async setup(ctx) {
      const { app, orm, logger } = ctx;
      await app.register(cartCaller);
      await app.register(cartUseCases, {
        limits: { maxLines: config.CART_MAX_LINES, maxLineQuantity: config.CART_MAX_LINE_QUANTITY },
        defaultCurrency: config.CART_DEFAULT_CURRENCY,
        guestTtlHours: config.GUEST_CART_TTL_HOURS,
        ordersUrl: config.ORDERS_URL,
        ordersTimeoutMs: config.ORDERS_TIMEOUT_MS,
        ordersRetries: config.ORDERS_RETRIES,
        catalogUrl: config.CATALOG_URL,
        catalogTimeoutMs: config.CATALOG_TIMEOUT_MS,
      });
      await app.register(cartsRoutes, { prefix: '/carts' });
      await registerConsumers(ctx);
      // Last registered, first stopped: the sweeper stops before the consumers.
      ctx.stopOnClose(
        startSweeper({
          orm,
          logger,
          intervalMs: config.CART_SWEEP_INTERVAL_MS,
          idempotencyKeyTtlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
        }),
      );
    },
  });
}
