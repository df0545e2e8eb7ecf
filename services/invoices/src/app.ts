import { createOrm } from '@mercato/db';
import { type App, createService } from '@mercato/kit';
import { Broker, startConsumer, startOutboxRelay } from '@mercato/messaging';
import { Redis } from 'ioredis';
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
      name: 'invoices',
      logLevel: config.LOG_LEVEL,
      auth: deps.jwks ? { jwks: deps.jwks, redis } : { jwksUrl: config.JWKS_URL, redis },
      readiness: {
        postgres: () => orm.em.fork().execute('select 1'),
        rabbitmq: () => connectedBroker.check(),
      },
      openapi: { title: 'Mercato invoices', description: 'Invoices with gapless numbers, as JSON and PDF' },
    });
    redis.on('error', (err) => app.log.debug({ err }, 'redis error'));
    redis
      .connect()
      .catch((err) => app.log.warn({ err }, 'redis unreachable; the deny-list check is skipped'));

    const retryDelaysMs = config.CONSUMER_RETRY_DELAYS_MS.split(',').map(Number);
    const relay = startOutboxRelay({ orm, broker, logger: app.log });
    stops.push(() => relay.stop());
    const orders = await startConsumer({
      broker,
      orm,
      logger: app.log,
      name: 'invoices.order-view',
      events: ['order.placed', 'order.lines_changed'],
      handle: handleOrderEvent,
      retryDelaysMs,
    });
    stops.unshift(() => orders.stop());
    const payments = await startConsumer({
      broker,
      orm,
      logger: app.log,
      name: 'invoices.issue',
      events: ['payment.succeeded'],
      handle: issueOnPaymentSucceeded,
      retryDelaysMs,
    });
    stops.unshift(() => payments.stop());

    app.addHook('onClose', async () => {
      // Consumers first (they finish the messages in hand), then the relay.
      for (const stop of stops) await stop();
      await connectedBroker.close();
      redis.disconnect();
      await orm.close();
    });
    await app.register(invoiceRoutes, { orm, issuerName: config.INVOICE_ISSUER_NAME });
    return app;
  } catch (err) {
    for (const stop of stops) await stop().catch(() => {});
    await broker?.close();
    redis.disconnect();
    await orm.close(true);
    throw err;
  }
}
