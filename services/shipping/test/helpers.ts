// Shared set-up for the shipping tests: the real app on an isolated schema and a unique exchange, a
// local token signer (testAuth's JWKS), events published as another service would, and SQL in the
// test's schema. The carrier is unreachable unless a test passes its own (deps.carrier).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProductSnapshot } from '@mercato/contracts';
import { loadConfig } from '@mercato/kit';
import { type Envelope, envelope } from '@mercato/messaging';
import {
  deleteConsumerTopology,
  eventually,
  isolatedSchema,
  publishEvents,
  querySchema,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import { uuidv7 } from 'uuidv7';
import { type AppDeps, buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { recordProduct } from '../src/persistence/products.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

export const RETRY_DELAYS = '200,500';
/** Every consumer of the service: their queues are deleted with the test's exchange. */
export const CONSUMERS = ['shipping.products', 'shipping.orders', 'shipping.stock'];
export const PROBLEM = 'application/problem+json; charset=utf-8';
export const PROBLEMS = 'https://mercato.dev/problems/';

export interface SetupOptions {
  /** environment variables over the test defaults (as strings, like the process env) */
  env?: Record<string, string>;
  deps?: AppDeps;
}

/**
 * Catalog's GET /products/{id} as a tiny local server: shipping asks it for a product its read model
 * lacks. It knows the products a test puts in `products` (404 for the rest) and counts the asks.
 */
export async function fakeCatalog(t: Tap) {
  const products = new Map<string, Record<string, unknown>>();
  const asked: string[] = [];
  let status: number | undefined;
  const server = createServer((req, res) => {
    const id = /^\/products\/([^/?]+)$/.exec(req.url ?? '')?.[1] ?? '';
    asked.push(id);
    const product = products.get(id);
    const code = status ?? (product ? 200 : 404);
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(code === 200 ? product : { status: code }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    products,
    asked,
    /** Every answer is this status from now on (e.g. 503: catalog down); undefined: normal again. */
    answerAll(code: number | undefined) {
      status = code;
    },
  };
}

export async function setup(t: Tap, opts: SetupOptions = {}) {
  const schema = await isolatedSchema(t, 't_ship');
  const catalog = await fakeCatalog(t);
  const exchange = uniqueName('t_ship_ex');
  const auth = await testAuth();
  const config = loadConfig(configSchema, {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://127.0.0.1:1/unused',
    CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS,
    // Nothing listens there: a test that books parcels passes its own carrier.
    CARRIER_URL: 'http://127.0.0.1:1',
    CATALOG_URL: catalog.url,
    ...opts.env,
  });
  let started: Awaited<ReturnType<typeof buildApp>> | undefined;
  // Registered first: a start that fails (a test of a bad configuration) leaves no exchange behind.
  t.teardown(async () => {
    await started?.close();
    await deleteConsumerTopology(exchange, CONSUMERS, RETRY_DELAYS.split(',').map(Number));
  });
  const app = await buildApp(config, {
    jwks: auth.jwks,
    retryDelaysMs: RETRY_DELAYS.split(',').map(Number),
    ...opts.deps,
  });
  started = app;

  const user = async (role: 'customer' | 'admin' = 'customer') => {
    const id = uuidv7();
    return { id, token: await auth.sign({ sub: id, role }) };
  };
  const query = <R = any>(sql: string, params: unknown[] = []) => querySchema<R>(schema, sql, params);
  const publish = (...events: Envelope[]) => publishEvents(exchange, events);
  const event = <T>(type: string, data: T) => envelope(type, data, { source: 'test' });
  /** Waits until the service has committed the message. */
  const handled = (e: Envelope) =>
    eventually(async () => {
      const rows = await query('select 1 from inbox where message_id = $1', [e.id]);
      if (rows.length === 0) throw new Error(`${e.type} ${e.id} not handled yet`);
    });

  /** A product in the read model, as the products consumer would record it (no broker round trip). */
  const seedProduct = async (p: Partial<ProductSnapshot> = {}): Promise<ProductSnapshot> => {
    const snapshot: ProductSnapshot = {
      productId: p.productId ?? uuidv7(),
      name: p.name ?? `Product ${Math.random().toString(36).slice(2, 8)}`,
      price: p.price ?? { amount: '10.00', currency: 'EUR' },
      active: p.active ?? true,
      ...(p.weightGrams === undefined ? {} : { weightGrams: p.weightGrams }),
      version: p.version ?? 1,
    };
    await app.orm.em.fork().transactional((em) => recordProduct(em, snapshot));
    return snapshot;
  };

  return {
    app,
    auth,
    catalog,
    config,
    schema,
    exchange,
    user,
    customer: await user(),
    admin: await user('admin'),
    query,
    publish,
    event,
    handled,
    seedProduct,
    bearer: (token: string) => ({ authorization: `Bearer ${token}` }),
  };
}

export type Setup = Awaited<ReturnType<typeof setup>>;

export { eventually, uuidv7 };
