import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { registerConsumers } from './consumers/index.ts';
import { entities } from './persistence/entities.ts';
import { installInvoiceMetrics } from './persistence/invoice-metrics.ts';
import invoicing from './plugins/invoicing.ts';
import creditNotesRoutes from './routes/credit-notes/index.ts';
import invoicesRoutes from './routes/invoices/index.ts';

export interface AppDeps {
  /** a fixed key set instead of fetching JWKS_URL (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
}

/**
 * The invoices service, migrated and connected. `app.close()` stops the consumers and the outbox
 * relay, then closes the broker, Redis and the ORM.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  return buildService({
    name: 'invoices',
    config,
    database: { entities, migrations },
    auth: { jwks: deps.jwks },
    consumers: { retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS.split(',').map(Number) },
    openapi: {
      title: 'Mercato invoices',
      description: 'Invoices and credit notes with gapless numbers, as JSON and PDF',
    },
    async setup(ctx) {
      // Before the consumers and routes that issue: every committed invoice and credit note is counted.
      installInvoiceMetrics(ctx.orm, ctx.app.metrics);
      await ctx.app.register(invoicing, { issuerName: config.INVOICE_ISSUER_NAME });
      await ctx.app.register(invoicesRoutes, { prefix: '/invoices' });
      // A static segment: it wins over /invoices/{id} whatever the order of registration.
      await ctx.app.register(creditNotesRoutes, { prefix: '/invoices/credit-notes' });
      await registerConsumers(ctx);
    },
  });
}
