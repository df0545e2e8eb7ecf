import type { App } from '@mercato/kit';
import { buildEventService, startConsumer } from '@mercato/messaging';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { issueOnPaymentSucceeded } from './consumers/issue-on-payment.ts';
import { handleOrderEvent } from './consumers/order-view.ts';
import { entities } from './entities.ts';
import { invoiceRoutes } from './routes/invoices/index.ts';

export interface AppDeps {
  /** a fixed key set instead of fetching JWKS_URL (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
}

/**
 * The invoices service, migrated and connected. `app.close()` stops the consumers and the outbox
 * relay, then closes the broker, Redis and the ORM.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  return buildEventService({
    name: 'invoices',
    config,
    entities,
    migrations,
    jwks: deps.jwks,
    openapi: { title: 'Mercato invoices', description: 'Invoices with gapless numbers, as JSON and PDF' },
    async setup({ app, orm, broker, logger, stopOnClose }) {
      const common = {
        broker,
        orm,
        logger,
        retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS.split(',').map(Number),
      };
      stopOnClose(
        await startConsumer({
          ...common,
          name: 'invoices.order-view',
          events: ['order.placed', 'order.lines_changed'],
          handle: handleOrderEvent,
        }),
      );
      stopOnClose(
        await startConsumer({
          ...common,
          name: 'invoices.issue',
          events: ['payment.succeeded'],
          handle: issueOnPaymentSucceeded,
        }),
      );
      await app.register(invoiceRoutes, { orm, issuerName: config.INVOICE_ISSUER_NAME });
    },
  });
}
