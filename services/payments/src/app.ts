import { createOrm } from '@mercato/db';
import { type App, createService } from '@mercato/kit';
import { Broker, startConsumer, startOutboxRelay } from '@mercato/messaging';
import { Redis } from 'ioredis';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { chargeOnStockReserved } from './consumers/charge-on-stock-reserved.ts';
import { refundOnOrderCancelled } from './consumers/refund-on-order-cancelled.ts';
import { httpPaymentProvider, type PaymentProvider } from './domain/provider.ts';
import { entities } from './entities.ts';
import { ProviderWorker } from './provider-worker.ts';
import { paymentRoutes } from './routes/payments/index.ts';

export interface AppDeps {
  /** a fixed key set instead of fetching JWKS_URL (tests: testAuth().jwks) */
  jwks?: JSONWebKeySet;
  /** another provider adapter (default: HTTP to PAYMENT_PROVIDER_URL) */
  provider?: PaymentProvider;
}

/**
 * The payments service, migrated and connected. `app.close()` stops the consumers, the provider
 * worker and the outbox relay, then closes the broker, Redis and the ORM.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const orm = await createOrm({
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    entities,
    migrations,
  });
  let broker: Broker | undefined;
  // Only the logout deny-list lives in Redis: when it is down, requests still pass (kit's rule).
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  const stops: (() => Promise<void>)[] = [];
  try {
    broker = await Broker.connect({ url: config.AMQP_URL, exchange: config.AMQP_EXCHANGE });
    const connectedBroker = broker;
    const app = await createService({
      name: 'payments',
      logLevel: config.LOG_LEVEL,
      auth: deps.jwks ? { jwks: deps.jwks, redis } : { jwksUrl: config.JWKS_URL, redis },
      readiness: {
        postgres: () => orm.em.fork().execute('select 1'),
        rabbitmq: () => connectedBroker.check(),
      },
      openapi: { title: 'Mercato payments', description: 'Charges, retries and refunds of orders' },
    });
    redis.on('error', (err) => app.log.debug({ err }, 'redis error'));
    redis
      .connect()
      .catch((err) => app.log.warn({ err }, 'redis unreachable; the deny-list check is skipped'));

    const worker = new ProviderWorker({
      orm,
      provider:
        deps.provider ??
        httpPaymentProvider({
          baseUrl: config.PAYMENT_PROVIDER_URL,
          timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS,
        }),
      logger: app.log,
      maxTries: config.PAYMENT_PROVIDER_MAX_TRIES,
      refundMaxTries: config.REFUND_MAX_TRIES,
      retryBaseMs: config.PAYMENT_RETRY_BASE_MS,
      pollMs: config.PAYMENT_WORKER_POLL_MS,
      leaseMs: config.PAYMENT_PROVIDER_TIMEOUT_MS + 5_000,
    });
    const retryDelaysMs = config.CONSUMER_RETRY_DELAYS_MS.split(',').map(Number);
    const relay = startOutboxRelay({ orm, broker, logger: app.log });
    stops.push(() => relay.stop());
    const charge = await startConsumer({
      broker,
      orm,
      logger: app.log,
      name: 'payments.charge',
      events: ['stock.reserved'],
      handle: chargeOnStockReserved({ logger: app.log, onRecorded: () => worker.kick() }),
      retryDelaysMs,
    });
    stops.unshift(() => charge.stop());
    const refund = await startConsumer({
      broker,
      orm,
      logger: app.log,
      name: 'payments.refund-on-cancel',
      events: ['order.cancelled'],
      handle: refundOnOrderCancelled({ onRecorded: () => worker.kick() }),
      retryDelaysMs,
    });
    stops.unshift(() => refund.stop());
    worker.start();
    // Consumers first (no new work), then the worker (finishes calls in flight), then the relay.
    stops.splice(2, 0, () => worker.stop());

    app.addHook('onClose', async () => {
      for (const stop of stops) await stop();
      await connectedBroker.close();
      redis.disconnect();
      await orm.close();
    });
    await app.register(paymentRoutes, { orm, worker });
    return app;
  } catch (err) {
    for (const stop of stops) await stop().catch(() => {});
    await broker?.close();
    redis.disconnect();
    await orm.close(true);
    throw err;
  }
}
