import { afterCommitHooks } from '@mercato/db';
import type { App } from '@mercato/kit';
import { buildEventService, startConsumer } from '@mercato/messaging';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { chargeOnStockReserved } from './consumers/charge-on-stock-reserved.ts';
import { refundOnOrderCancelled } from './consumers/refund-on-order-cancelled.ts';
import { httpPaymentProvider, type PaymentProvider } from './domain/provider.ts';
import { entities } from './entities.ts';
import { startIdempotencySweeper } from './idempotency-sweeper.ts';
import { ProviderWorker } from './provider-worker.ts';
import { paymentRoutes } from './routes/payments/index.ts';

export interface AppDeps {
  /** a fixed key set instead of fetching JWKS_URL (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
  /** another provider adapter (default: HTTP to PAYMENT_PROVIDER_URL) */
  provider?: PaymentProvider;
  /** How often expired Idempotency-Key records are deleted (default 60 s; tests shorten it). */
  idempotencySweepIntervalMs?: number;
}

/**
 * The payments service, migrated and connected. `app.close()` stops the idempotency-key sweeper, the
 * consumers, the provider worker and the outbox relay, then closes the broker, Redis and the ORM.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  return buildEventService({
    name: 'payments',
    config,
    entities,
    migrations,
    jwks: deps.jwks,
    openapi: { title: 'Mercato payments', description: 'Charges, retries and refunds of orders' },
    async setup({ app, orm, broker, logger, stopOnClose }) {
      const worker = new ProviderWorker({
        orm,
        provider:
          deps.provider ??
          httpPaymentProvider({
            baseUrl: config.PAYMENT_PROVIDER_URL,
            timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS,
          }),
        logger,
        maxTries: config.PAYMENT_PROVIDER_MAX_TRIES,
        refundMaxTries: config.REFUND_MAX_TRIES,
        retryBaseMs: config.PAYMENT_RETRY_BASE_MS,
        pollMs: config.PAYMENT_WORKER_POLL_MS,
        leaseMs: config.PAYMENT_PROVIDER_TIMEOUT_MS + 5_000,
      });
      // Registered before the consumers, so stopped after them: no new work, then it finishes the
      // provider calls in flight.
      stopOnClose(worker);
      const common = {
        broker,
        orm,
        logger,
        retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS.split(',').map(Number),
      };
      stopOnClose(
        await startConsumer({
          ...common,
          name: 'payments.charge',
          events: ['stock.reserved'],
          handle: chargeOnStockReserved({ logger, worker, afterCommit: afterCommitHooks(orm) }),
        }),
      );
      stopOnClose(
        await startConsumer({
          ...common,
          name: 'payments.refund-on-cancel',
          events: ['order.cancelled'],
          handle: refundOnOrderCancelled({ onRecorded: () => worker.kick() }),
        }),
      );
      worker.start();
      // Independent of the rest; registered last, so stopped first.
      stopOnClose(
        startIdempotencySweeper({
          orm,
          logger,
          ttlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
          intervalMs: deps.idempotencySweepIntervalMs,
        }),
      );
      await app.register(paymentRoutes, { orm, worker });
    },
  });
}
