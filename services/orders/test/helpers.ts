// Shared set-up for the orders tests: the real app on an isolated schema and a unique exchange, a
// local token signer, a queue that records every order.* event the service emits, and helpers to
// publish the events of other services.
import type { PaymentSucceeded, ProductSnapshot } from '@mercato/contracts';
import { HttpProblem } from '@mercato/kit';
import { type Envelope, envelope } from '@mercato/messaging';
import {
  deleteConsumerTopology,
  eventually,
  isolatedSchema,
  publishEvents,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  tapExchange,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import { uuidv7 } from 'uuidv7';
import { buildApp } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import type { AddressBook, OwnedAddress, ShippingAddress } from '../src/domain/address.ts';
import { upsertProductPrice } from '../src/persistence/product-prices.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

const RETRY_DELAYS_MS = [200, 500];
export const CONSUMERS = [
  'orders.product-prices',
  'orders.order-flow',
  'orders.erasure',
  'orders.addresses',
  'orders.shipments',
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
    ORDER_PENDING_TIMEOUT_MS: 15 * 60_000,
    ORDER_SWEEP_INTERVAL_MS: 60_000,
    PAYMENT_RETRY_WINDOW_MS: 10 * 60_000,
    ORDER_MAX_UNITS: 1000,
    IDEMPOTENCY_KEY_TTL_HOURS: 24,
    // Unused: the tests give buildApp an in-memory address book (test/address-book.test.ts covers HTTP).
    IDENTITY_URL: 'http://127.0.0.1:1/unused',
    IDENTITY_TIMEOUT_MS: 2000,
    // Nobody there: a test with shipping options gives it a stand-in (test/shipping-line.test.ts).
    SHIPPING_URL: 'http://127.0.0.1:1/unused',
    SHIPPING_TIMEOUT_MS: 2000,
    ...overrides,
  };
}

/** The address every id the test book has not heard of gets (as the caller's own). */
export const TEST_ADDRESS: ShippingAddress = {
  name: 'Ada Lovelace',
  street: '12 Analytical Street',
  city: 'London',
  postalCode: 'N1 7AA',
  country: 'GB',
};

/**
 * An AddressBook in memory, as identity would answer: an id it has not been told about is the
 * caller's own (TEST_ADDRESS; its first caller becomes its owner), so tests placing orders with
 * random address ids keep working. `add` registers an address of a given user (someone else's, for
 * the 422), `forget` makes an id unknown, `down` makes every read fail as an unreachable identity.
 */
export function memoryAddressBook() {
  const addresses = new Map<string, OwnedAddress | 'unknown'>();
  const state = { down: false, reads: [] as { id: string; authorization?: string }[] };
  const book: AddressBook = {
    async find(caller, id) {
      state.reads.push({ id, authorization: caller.authorization });
      if (state.down)
        throw new HttpProblem({
          status: 503,
          slug: 'upstream-unavailable',
          title: 'A service this request needs is unavailable',
          detail: 'The identity service did not answer (test)',
        });
      const known = addresses.get(id);
      if (known === 'unknown') return undefined;
      if (known) return known;
      const mine = { userId: caller.sub, address: TEST_ADDRESS };
      addresses.set(id, mine);
      return mine;
    },
  };
  return {
    book,
    state,
    add(id: string, userId: string, address: ShippingAddress = TEST_ADDRESS) {
      addresses.set(id, { userId, address });
    },
    forget(id: string) {
      addresses.set(id, 'unknown');
    },
  };
}

export async function setup(t: Tap, overrides: Partial<Config> = {}) {
  const schema = await isolatedSchema(t, 't_orders');
  const exchange = uniqueName('t_orders_ex');
  const auth = await testAuth();
  const events = await recordEvents(t, exchange);
  const config = testConfig(schema, exchange, overrides);
  const addresses = memoryAddressBook();
  const app = await buildApp(config, {
    jwks: auth.jwks,
    retryDelaysMs: RETRY_DELAYS_MS,
    addressBook: addresses.book,
  });
  t.teardown(async () => {
    await app.close();
    await deleteConsumerTopology(exchange, CONSUMERS, RETRY_DELAYS_MS);
  });
  const customer = { id: uuidv7(), token: '' };
  customer.token = await auth.sign({ sub: customer.id, role: 'customer' });
  const other = { id: uuidv7(), token: '' };
  other.token = await auth.sign({ sub: other.id, role: 'customer' });
  const admin = { id: uuidv7(), token: '' };
  admin.token = await auth.sign({ sub: admin.id, role: 'admin' });

  /** Puts a product into the read model as the product-prices consumer would. */
  const seedProduct = async (p: Partial<ProductSnapshot> & { price: ProductSnapshot['price'] }) => {
    const snapshot: ProductSnapshot = {
      productId: p.productId ?? uuidv7(),
      name: p.name ?? `Product ${Math.random().toString(36).slice(2, 8)}`,
      price: p.price,
      active: p.active ?? true,
      version: p.version ?? 1,
    };
    await app.orm.em.fork().transactional((em) => upsertProductPrice(em, snapshot));
    return snapshot;
  };

  return {
    app,
    auth,
    schema,
    exchange,
    config,
    events,
    addresses,
    customer,
    other,
    admin,
    seedProduct,
    bearer: (token: string) => ({ authorization: `Bearer ${token}` }),
    /** Row counts of the service's tables: a rejected request must leave them unchanged. */
    counts: async () => {
      const [row] = await app.orm.em.fork().execute(
        `select (select count(*) from "${schema}".orders)::int as orders,
                (select count(*) from "${schema}".order_item)::int as items,
                (select count(*) from "${schema}".order_status_history)::int as history,
                (select count(*) from "${schema}".outbox)::int as outbox,
                (select count(*) from "${schema}".idempotency_key)::int as keys`,
      );
      return row as { orders: number; items: number; history: number; outbox: number; keys: number };
    },
    publish: (event: Envelope) => publishEvents(exchange, [event]),
  };
}

/** Records every order.* event published on `exchange`, through a test queue of its own. */
export async function recordEvents(t: Tap, exchange: string) {
  const tap = await tapExchange(exchange, { pattern: 'order.*', t });
  return { all: tap.received as Envelope[], of: tap.of };
}

export { eventually };

export type Setup = Awaited<ReturnType<typeof setup>>;

/** Waits until the service has handled (committed) the event: its inbox row exists. */
export const handled = (s: Setup, event: Envelope) =>
  eventually(async () => {
    const rows = await s.app.orm.em
      .fork()
      .execute(`select 1 from "${s.schema}".inbox where message_id = ?`, [event.id]);
    if (rows.length === 0) throw new Error(`${event.type} ${event.id} not handled yet`);
  });

/** Publishes the events one by one, each handled (committed) before the next is sent. */
export async function deliver(s: Setup, ...events: Envelope[]): Promise<void> {
  for (const event of events) {
    await s.publish(event);
    await handled(s, event);
  }
}

/** GET /orders/{id} as the admin. */
export const getOrder = async (s: Setup, id: string) =>
  (await s.app.inject({ method: 'GET', url: `/orders/${id}`, headers: s.bearer(s.admin.token) })).json();

/** Places an order for `token` through the API and returns its body. */
export async function placeOrder(
  s: Awaited<ReturnType<typeof setup>>,
  token: string,
  lines: { productId: string; quantity: number }[],
) {
  const res = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: s.bearer(token),
    payload: { lines, shippingAddressId: uuidv7(), paymentMethod: { type: 'card', token: 'tok_visa' } },
  });
  if (res.statusCode !== 201) throw new Error(`placing failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export const PROBLEM = 'application/problem+json; charset=utf-8';

/** payments' payment.succeeded for `order` (a placed order's body), at its revision unless told. */
export const paymentSucceeded = (order: any, revision: number = order.revision) =>
  envelope<PaymentSucceeded>(
    'payment.succeeded',
    {
      paymentId: uuidv7(),
      orderId: order.id,
      userId: order.userId,
      revision,
      amount: order.total,
      providerRef: 'ch_1',
    },
    { source: 'payments', correlationId: order.id },
  );
