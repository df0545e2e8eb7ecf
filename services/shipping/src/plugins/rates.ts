// Rates, quotes, the rate table and the product read model: seeds the first rate table, registers
// the routes under /shippings, the products consumer and the sweep of old quotes.
import { type Periodic, ServiceClient, startPeriodic } from '@mercato/kit';
import type { ServiceContext } from '@mercato/service';
import type { Config } from '../config.ts';
import { productHandlers } from '../consumers/products.ts';
import { sweepExpiredQuotes } from '../persistence/quotes.ts';
import { BUNDLED_RATE_TABLE_FILE, seedRateTable } from '../persistence/rates.ts';
import ratesRoutes from '../routes/rates/index.ts';

/** Quotes outlive their retention by at most this much: the sweep is cheap, and nothing waits on it. */
const QUOTE_SWEEP_INTERVAL_MS = 10 * 60_000;

export async function setupRates(ctx: ServiceContext, config: Config): Promise<void> {
  const { app, orm, logger } = ctx;
  const file = config.RATE_TABLE_FILE || BUNDLED_RATE_TABLE_FILE;
  // Before the routes: a quote always finds a table in force. A bad file fails the start, loudly.
  if (await seedRateTable(orm, file, config.SHIPPING_CURRENCY))
    logger.info({ file }, 'rate table version 1 seeded');
  await app.register(ratesRoutes, {
    prefix: '/shippings',
    settings: {
      currency: config.SHIPPING_CURRENCY,
      freeShippingThreshold: config.FREE_SHIPPING_THRESHOLD,
      defaultWeightGrams: config.DEFAULT_WEIGHT_GRAMS,
      quoteTtlMinutes: config.QUOTE_TTL_MINUTES,
      catalog: new ServiceClient({
        service: 'catalog',
        baseUrl: config.CATALOG_URL,
        timeoutMs: config.CATALOG_TIMEOUT_MS,
      }),
    },
  });
  await ctx.consume('products', productHandlers);
  // Registered after the consumer: stopped before it.
  ctx.stopOnClose(startQuoteSweeper(ctx, config.QUOTE_RETENTION_HOURS));
}

function startQuoteSweeper(ctx: ServiceContext, retentionHours: number): Periodic {
  return startPeriodic(
    QUOTE_SWEEP_INTERVAL_MS,
    async (stopped) => {
      const n = await sweepExpiredQuotes(ctx.orm, retentionHours, stopped);
      if (n > 0) ctx.logger.info({ deleted: n }, 'expired quotes deleted');
    },
    (err) => ctx.logger.warn({ err }, 'sweeping expired quotes failed; retrying next round'),
  );
}
