import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { registerConsumers } from './consumers/index.ts';
import type { AddressBook } from './domain/address.ts';
import type { QuoteBook } from './domain/shipping.ts';
import { entities } from './persistence/entities.ts';
import { installOrderMetrics } from './persistence/order-metrics.ts';
import addressBook from './plugins/address-book.ts';
import orderUseCases from './plugins/order-use-cases.ts';
import shippingQuotes from './plugins/shipping-quotes.ts';
import ordersRoutes from './routes/orders/index.ts';
import { startSweeper } from './workers/sweeper.ts';

export interface AppDeps {
  /** A fixed key set instead of JWKS_URL (tests: testAuth().jwks). */
  jwks?: JSONWebKeySet;
  /** Consumer retry delays (tests shorten them). */
  retryDelaysMs?: number[];
  /** Where shipping addresses are read (default: identity's API at IDENTITY_URL; tests: in memory). */
  addressBook?: AddressBook;
  /** Where shipping quotes are read (default: shipping's API at SHIPPING_URL). */
  shippingQuotes?: QuoteBook;
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  return buildService({
    name: 'orders',
    config,
    database: { entities, migrations },
    consumers: { retryDelaysMs: deps.retryDelaysMs },
    auth: { jwks: deps.jwks },
    openapi: { description: 'Orders: placement, status, lines, history' },
    async setup(ctx) {
      const { app, orm, logger } = ctx;
      // Before anything that writes orders: every committed change from here on is counted.
      installOrderMetrics(orm, app.metrics, logger);
      await app.register(addressBook, {
        book: deps.addressBook,
        identityUrl: config.IDENTITY_URL,
        timeoutMs: config.IDENTITY_TIMEOUT_MS,
      });
      await app.register(shippingQuotes, {
        book: deps.shippingQuotes,
        shippingUrl: config.SHIPPING_URL,
        timeoutMs: config.SHIPPING_TIMEOUT_MS,
      });
      await app.register(orderUseCases, {
        paymentRetryWindowMs: config.PAYMENT_RETRY_WINDOW_MS,
        limits: { maxUnits: config.ORDER_MAX_UNITS },
      });
      await app.register(ordersRoutes);
      await registerConsumers(ctx, { paymentRetryWindowMs: config.PAYMENT_RETRY_WINDOW_MS });
      // Last registered, first stopped: the sweeper stops before the consumers.
      ctx.stopOnClose(
        startSweeper({
          orm,
          logger,
          timeoutMs: config.ORDER_PENDING_TIMEOUT_MS,
          paymentRetryWindowMs: config.PAYMENT_RETRY_WINDOW_MS,
          intervalMs: config.ORDER_SWEEP_INTERVAL_MS,
          idempotencyKeyTtlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
        }),
      );
    },
  });
}
