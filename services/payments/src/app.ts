import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { registerConsumers } from './consumers/index.ts';
import { paymentMetrics } from './domain/payment-metrics.ts';
import { httpPaymentProvider, type PaymentProvider } from './domain/provider.ts';
import { entities } from './persistence/entities.ts';
import { paymentKeys } from './persistence/idempotency.ts';
import paymentWorker from './plugins/payment-worker.ts';
import paymentsRoutes from './routes/payments/index.ts';
import { ProviderWorker } from './workers/provider-worker.ts';

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
  return buildService({
    name: 'payments',
    config,
    database: { entities, migrations },
    consumers: { retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS.split(',').map(Number) },
    auth: { jwks: deps.jwks },
    openapi: { title: 'Mercato payments', description: 'Charges, retries and refunds of orders' },
    async setup(ctx) {
      const { app, orm, logger, stopOnClose } = ctx;
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
        metrics: paymentMetrics(app.metrics),
      });
      // Registered before the consumers, so stopped after them: no new work, then it finishes the
      // provider calls in flight.
      stopOnClose(worker);
      await app.register(paymentWorker, { worker });
      await registerConsumers(ctx, { worker });
      worker.start();
      // Forgets Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS, on every replica (short
      // SKIP LOCKED batches: replicas never wait on one another). Independent of the rest; registered
      // last, so stopped first.
      stopOnClose(
        paymentKeys.startSweeper({
          orm,
          logger,
          ttlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
          intervalMs: deps.idempotencySweepIntervalMs,
        }),
      );
      await app.register(paymentsRoutes, { prefix: '/payments' });
    },
  });
}
