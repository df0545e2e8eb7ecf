// Shared set-up for the recommendations tests: the real app on an isolated schema, a unique exchange
// and Redis prefix, a local token signer, and helpers that publish the events the service learns from
// (through RabbitMQ, as in production) and wait until the inbox has them.
import type {
  OrderCancelled,
  OrderConfirmed,
  ProductSnapshot,
  ProductStockLevel,
  ReturnReceived,
} from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import {
  deleteConsumerTopology,
  eventually,
  isolatedSchema,
  publishEvents,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import { uuidv7 } from 'uuidv7';
import { buildApp } from '../src/app.ts';
import type { Config } from '../src/config.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

const RETRY_DELAYS_MS = [200, 500];
const CONSUMERS = [
  'recommendations.purchases',
  'recommendations.products',
  'recommendations.stock-levels',
  'recommendations.erasure',
];

export function testConfig(schema: string, exchange: string, overrides: Partial<Config> = {}): Config {
  return {
    HOST: '127.0.0.1',
    PORT: 0,
    LOG_LEVEL: 'silent',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_MAX: 10,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://127.0.0.1:1/unused',
    CO_PURCHASE_HALF_LIFE_DAYS: 90,
    POPULAR_HALF_LIFE_DAYS: 7,
    MIN_CO_PURCHASES: 1,
    VIEW_SESSION_MINUTES: 30,
    RECENT_VIEWS_KEPT: 20,
    VIEW_EVENTS_PER_MINUTE: 300,
    ...overrides,
  };
}

const money = (amount: string) => ({ amount, currency: 'EUR' });

export async function setup(t: Tap, overrides: Partial<Config> = {}) {
  const schema = await isolatedSchema(t, 't_rec');
  const exchange = uniqueName('t_rec_ex');
  const auth = await testAuth();
  const config = testConfig(schema, exchange, overrides);
  const app = await buildApp(config, {
    jwks: auth.jwks,
    retryDelaysMs: RETRY_DELAYS_MS,
    quotaPrefix: uniqueName('t_rec_quota'),
  });
  t.teardown(async () => {
    await app.close();
    await deleteConsumerTopology(exchange, CONSUMERS, RETRY_DELAYS_MS);
  });
  const sql = <R = any>(query: string, params: unknown[] = []) =>
    app.orm.em.fork().execute<R[]>(query, params);

  const publish = (events: Envelope[]) => publishEvents(exchange, events);
  /** Waits until the service has handled (committed) every one of the messages. */
  const handled = (events: Envelope[]) =>
    eventually(async () => {
      const rows = await sql(`select count(*)::int as n from "${schema}".inbox where message_id in (?)`, [
        events.map((e) => e.id),
      ]);
      if (rows[0].n !== events.length) throw new Error(`${rows[0].n}/${events.length} handled`);
    });
  const deliver = async (events: Envelope[]) => {
    await publish(events);
    await handled(events);
  };

  const event = <T>(type: string, data: T, source = 'test') => envelope(type, data, { source });

  /** product.created for each (active, in a category); returns their ids. */
  const products = async (n: number, p: Partial<ProductSnapshot> = {}) => {
    const snaps: ProductSnapshot[] = Array.from({ length: n }, (_, i) => ({
      productId: uuidv7(),
      name: `Product ${i + 1}`,
      price: money('10.00'),
      active: true,
      category: 'books',
      version: 1,
      ...p,
    }));
    await deliver(snaps.map((s) => event('product.created', s, 'catalog')));
    return snaps.map((s) => s.productId);
  };

  const confirmedEvent = (productIds: string[], userId: string = uuidv7(), orderId: string = uuidv7()) =>
    event<OrderConfirmed>(
      'order.confirmed',
      {
        orderId,
        userId,
        revision: 1,
        lines: productIds.map((productId) => ({
          itemId: uuidv7(),
          productId,
          quantity: 1,
          unitPrice: money('10.00'),
        })),
        total: money(`${10 * productIds.length}.00`),
      },
      'orders',
    );
  const cancelledEvent = (order: Envelope<OrderConfirmed>, previousStatus = 'CONFIRMED') =>
    event<OrderCancelled>(
      'order.cancelled',
      { orderId: order.data.orderId, userId: order.data.userId, reason: 'customer', previousStatus },
      'orders',
    );
  const returnEvent = (order: Envelope<OrderConfirmed>, productIds: string[]) =>
    event<ReturnReceived>(
      'return.received',
      {
        returnId: uuidv7(),
        orderId: order.data.orderId,
        userId: order.data.userId,
        storeId: uuidv7(),
        lines: productIds.map((productId) => ({ productId, quantity: 1, amount: money('10.00') })),
        refund: money(`${10 * productIds.length}.00`),
        at: new Date().toISOString(),
      },
      'shipping',
    );
  const stockEvent = (levels: Omit<ProductStockLevel, 'availability'>[]) =>
    event(
      'stock.levels_changed',
      {
        levels: levels.map((l) => ({
          ...l,
          availability: l.available === 0 ? 'out_of_stock' : l.available < 5 ? 'low' : 'in_stock',
        })),
      },
      'inventory',
    );

  /** Confirms one order per basket, all in one go. */
  const orders = async (baskets: string[][], userId?: string) => {
    const events = baskets.map((b) => confirmedEvent(b, userId));
    await deliver(events);
    return events;
  };

  const user = async (role: 'customer' | 'admin' = 'customer') => {
    const id = uuidv7();
    return { id, token: await auth.sign({ sub: id, role }) };
  };

  const get = async (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  return {
    app,
    schema,
    config,
    sql,
    publish,
    handled,
    deliver,
    event,
    products,
    orders,
    confirmedEvent,
    cancelledEvent,
    returnEvent,
    stockEvent,
    user,
    get,
    /** GET /recommendations/products/{id}: the answer's items */
    forProduct: async (id: string, limit = 10) => {
      const res = await get(`/recommendations/products/${id}?limit=${limit}`);
      if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
      return res.json().items as { productId: string; score: number; reason: string }[];
    },
    forMe: async (token: string, limit = 10) => {
      const res = await get(`/recommendations/me?limit=${limit}`, token);
      if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
      return res.json() as {
        personalised: boolean;
        items: { productId: string; score: number; reason: string }[];
      };
    },
    /** Every statistics table as text: a repeated event must leave it unchanged. */
    fingerprint: async () => {
      const [row] = await sql(
        `select (select coalesce(md5(string_agg(c::text, ',' order by c.product_id, c.other_id)), '') from "${schema}".co_purchase c) as pairs,
                (select coalesce(md5(string_agg(concat_ws(',', p.product_id, p.orders, p.bought_weight, p.popular_weight), ';' order by p.product_id)), '') from "${schema}".product p) as products,
                (select count(*)::int from "${schema}".co_purchase) as pair_rows`,
      );
      return row as { pairs: string; products: string; pair_rows: number };
    },
  };
}

export type Setup = Awaited<ReturnType<typeof setup>>;
export { eventually };
export const PROBLEM = 'application/problem+json; charset=utf-8';
