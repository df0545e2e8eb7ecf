// Shared set-up: an isolated schema, a unique exchange (and its queues deleted afterwards), a local
// key pair for tokens, and a test queue that collects what inventory publishes.
import type { OrderPlaced } from '@mercato/contracts';
import type { App } from '@mercato/kit';
import { type Envelope, envelope } from '@mercato/messaging';
import {
  deleteConsumerTopology,
  isolatedSchema,
  publishEvents,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  tapExchange,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { buildApp, type Deps } from '../src/app.ts';
import type { Config } from '../src/config.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

export const CONSUMERS = [
  'inventory.reserve-stock',
  'inventory.release-stock',
  'inventory.commit-stock',
  'inventory.payment-holds',
  'inventory.return-stock',
];

export function testConfig(schema: string, exchange: string, overrides: Partial<Config> = {}): Config {
  return {
    SERVICE_NAME: 'inventory',
    HOST: '127.0.0.1',
    PORT: 0,
    LOG_LEVEL: 'silent',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_MAX: 10,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://127.0.0.1:9/unused',
    STOCK_CACHE_TTL_SECONDS: 5,
    CONSUMER_PREFETCH: 20,
    LEVELS_PUBLISH_INTERVAL_MS: 50,
    LEVELS_SWEEP_INTERVAL_MS: 30_000,
    ...overrides,
  };
}

export interface Harness {
  app: App;
  schema: string;
  exchange: string;
  adminToken: string;
  customerToken: string;
  auth: Awaited<ReturnType<typeof testAuth>>;
  /** a query on the service's schema, for checking what (didn't) change */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** another instance on the same schema and exchange (a second replica) */
  replica(): Promise<App>;
}

export async function setup(
  t: Tap,
  opts: { messaging?: boolean; overrides?: Partial<Config> } = {},
): Promise<Harness> {
  const schema = await isolatedSchema(t, 't_inv');
  const exchange = uniqueName('t_inv_ex');
  const auth = await testAuth();
  const deps: Deps = {
    jwks: auth.jwks,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    messaging: opts.messaging ?? true,
  };
  const config = testConfig(schema, exchange, opts.overrides);
  const apps: App[] = [];
  const start = async () => {
    const app = await buildApp(config, deps);
    apps.push(app);
    return app;
  };
  const app = await start();
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await db.connect();
  t.teardown(async () => {
    for (const a of apps) await a.close();
    await db.end();
    if (deps.messaging !== false) await deleteExchange(exchange);
  });
  return {
    app,
    schema,
    exchange,
    auth,
    adminToken: await auth.sign({ sub: uuidv7(), role: 'admin' }),
    customerToken: await auth.sign({ sub: uuidv7(), role: 'customer' }),
    async sql(text, params = []) {
      const res = await db.query(text, params as never[]);
      return res.rows as never;
    },
    replica: start,
  };
}

async function deleteExchange(exchange: string): Promise<void> {
  await deleteConsumerTopology(exchange, CONSUMERS, [1000, 5000, 30000]);
}

/** Publishes like another service would, and collects what inventory publishes. */
export async function bus(t: Tap, exchange: string) {
  const tap = await tapExchange(exchange, { pattern: 'stock.#', t });
  return {
    received: tap.received as Envelope[],
    of: tap.of,
    publish: (events: Envelope[]) => publishEvents(exchange, events),
  };
}

export function orderPlaced(
  lines: { productId: string; quantity: number }[],
  opts: { orderId?: string; revision?: number; type?: string } = {},
): Envelope<OrderPlaced> {
  const orderId = opts.orderId ?? uuidv7();
  const data: OrderPlaced = {
    orderId,
    userId: uuidv7(),
    revision: opts.revision ?? 1,
    lines: lines.map((l) => ({
      itemId: uuidv7(),
      productId: l.productId,
      quantity: l.quantity,
      unitPrice: { amount: '9.99', currency: 'EUR' },
    })),
    total: { amount: '19.98', currency: 'EUR' },
    paymentMethod: { type: 'card', token: 'tok_visa' },
    shippingAddressId: uuidv7(),
  };
  return envelope(opts.type ?? 'order.placed', data, { source: 'orders', correlationId: orderId });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Creates a store over HTTP; returns its id. */
export async function createStore(
  h: Harness,
  opts: { code?: string; name?: string; address?: string } = {},
): Promise<string> {
  const store = await h.app.inject({
    method: 'POST',
    url: '/stores',
    headers: bearer(h.adminToken),
    payload: {
      code: opts.code ?? uniqueName('s'),
      name: opts.name ?? 'Store',
      ...(opts.address ? { address: opts.address } : {}),
    },
  });
  if (store.statusCode !== 201) throw new Error(`store: ${store.statusCode} ${store.body}`);
  return store.json().id;
}

/** Creates a stock row over HTTP, in a new store unless `storeId` names one; returns their ids. */
export async function seedStock(
  h: Harness,
  productId: string,
  onHand: number,
  opts: { lowStockThreshold?: number; storeCode?: string; storeId?: string } = {},
): Promise<{ storeId: string; stockId: string }> {
  const storeId = opts.storeId ?? (await createStore(h, { code: opts.storeCode }));
  const stock = await h.app.inject({
    method: 'POST',
    url: '/stocks',
    headers: bearer(h.adminToken),
    payload: { productId, storeId, onHand, lowStockThreshold: opts.lowStockThreshold ?? 0 },
  });
  if (stock.statusCode !== 201) throw new Error(`stock: ${stock.statusCode} ${stock.body}`);
  return { storeId, stockId: stock.json().id };
}
