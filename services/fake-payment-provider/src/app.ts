// A stand-in for a card payment provider (Stripe-like), for local runs: charges and refunds kept in
// memory. It answers like a third party would ({ error } bodies, 402 on a decline), not like Mercato.
import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { Config } from './config.ts';
import ledger from './plugins/ledger.ts';
import neverAnswer from './plugins/never-answer.ts';
import chargesRoutes from './routes/charges/index.ts';
import refundsRoutes from './routes/refunds/index.ts';

export async function buildApp(config: Pick<Config, 'LOG_LEVEL'>): Promise<App> {
  return buildService({
    name: 'fake-payment-provider',
    config,
    // A third party's stand-in: no tokens of ours, nothing kept outside the process.
    auth: false,
    redis: false,
    openapi: { title: 'Fake payment provider', description: 'Test cards that succeed, decline or hang' },
    async setup({ app }) {
      await app.register(ledger);
      await app.register(neverAnswer);
      await app.register(chargesRoutes, { prefix: '/v1/charges' });
      await app.register(refundsRoutes, { prefix: '/v1/refunds' });
    },
  });
}
