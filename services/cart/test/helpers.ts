// Shared set-up for the cart tests: the real app on an isolated schema and a unique exchange, a local
// token signer, scripted HTTP servers standing in for orders and catalog (node:http on port 0: they
// are our own services, not third parties), and helpers to seed the read models and publish events.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProductSnapshot, ProductStockLevel } from '@mercato/contracts';
import type { Envelope } from '@mercato/messaging';
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
import { recordProduct, recordStockLevels } from '../src/persistence/read-models.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

const RETRY_DELAYS_MS = [200, 500];
const CONSUMERS = ['cart.products', 'cart.stock-levels', 'cart.erasure'];
/** Nothing listens there: a service that is down. */
export const UNREACHABLE = 'http://127.0.0.1:1';

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
    ORDERS_URL: UNREACHABLE,
    ORDERS_TIMEOUT_MS: 2_000,
    ORDERS_RETRIES: 1,
    CATALOG_URL: UNREACHABLE,
    CATALOG_TIMEOUT_MS: 1_000,
    CART_MAX_LINES: 100,
    CART_MAX_LINE_QUANTITY: 10_000,
    CART_DEFAULT_CURRENCY: 'EUR',
    GUEST_CART_TTL_HOURS: 720,
    CART_SWEEP_INTERVAL_MS: 60_000,
    IDEMPOTENCY_KEY_TTL_HOURS: 24,
    ...overrides,
  };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}
export type Script = (
  req: RecordedRequest,
) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

/** A real HTTP server answering as `script` says, recording every request. */
export async function scriptedServer(t: Tap, script: Script) {
  const requests: RecordedRequest[] = [];
  const state = { script };
  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: raw ? JSON.parse(raw) : undefined,
    };
    requests.push(recorded);
    const answer = await state.script(recorded);
    const problem = answer.status >= 400;
    res.writeHead(answer.status, {
      'content-type': problem ? 'application/problem+json' : 'application/json',
    });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** answer differently from now on */
    setScript(next: Script) {
      state.script = next;
    },
  };
}

/** What orders answers to a placement: a PENDING order for the lines it was sent. */
export function placedOrder(req: RecordedRequest) {
  return {
    id: uuidv7(),
    userId: uuidv7(),
    status: 'PENDING',
    revision: 1,
    version: 1,
    lines: req.body.lines,
    total: { amount: '1.00', currency: 'EUR' },
    shippingAddressId: req.body.shippingAddressId,
    paymentMethod: { type: 'card' },
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
}

export async function setup(t: Tap, overrides: Partial<Config> = {}) {
  const schema = await isolatedSchema(t, 't_cart');
  const exchange = uniqueName('t_cart_ex');
  const auth = await testAuth();
  const config = testConfig(schema, exchange, overrides);
  const app = await buildApp(config, { jwks: auth.jwks, retryDelaysMs: RETRY_DELAYS_MS });
  t.teardown(async () => {
    await app.close();
    await deleteConsumerTopology(exchange, CONSUMERS, RETRY_DELAYS_MS);
  });
  const user = async (role: 'customer' | 'admin' = 'customer') => {
    const id = uuidv7();
    return { id, token: await auth.sign({ sub: id, role }) };
  };
  const customer = await user();
  const other = await user();
  const admin = await user('admin');

  /** Puts a product into the read model as the products consumer would. */
  const seedProduct = async (p: Partial<ProductSnapshot> = {}) => {
    const snapshot: ProductSnapshot = {
      productId: p.productId ?? uuidv7(),
      name: p.name ?? `Product ${Math.random().toString(36).slice(2, 8)}`,
      price: p.price ?? { amount: '10.00', currency: 'EUR' },
      active: p.active ?? true,
      version: p.version ?? 1,
    };
    await app.orm.em.fork().transactional((em) => recordProduct(em, snapshot));
    return snapshot;
  };
  const seedStock = async (levels: ProductStockLevel[]) => {
    await app.orm.em.fork().transactional((em) => recordStockLevels(em, levels));
  };
  const sql = (query: string, params: unknown[] = []) => app.orm.em.fork().execute(query, params);

  return {
    app,
    auth,
    schema,
    exchange,
    config,
    customer,
    other,
    admin,
    user,
    seedProduct,
    seedStock,
    sql,
    bearer: (token: string) => ({ authorization: `Bearer ${token}` }),
    guest: (token: string) => ({ 'x-cart-token': token }),
    /** A hash of every business table: a refused request must leave it unchanged. */
    fingerprint: async () => {
      const [row] = await sql(
        `select (select coalesce(md5(string_agg(c::text, ',' order by c.id)), '') from "${schema}".cart c) as carts,
                (select coalesce(md5(string_agg(l::text, ',' order by l.id)), '') from "${schema}".cart_line l) as lines,
                (select count(*) from "${schema}".idempotency_key)::int as keys`,
      );
      return row as { carts: string; lines: string; keys: number };
    },
    publish: (event: Envelope) => publishEvents(exchange, [event]),
    /** Waits until the service has handled (committed) the message. */
    handled: (event: Envelope) =>
      eventually(async () => {
        const rows = await sql(`select 1 from "${schema}".inbox where message_id = ?`, [event.id]);
        if (rows.length === 0) throw new Error(`${event.type} ${event.id} not handled yet`);
      }),
  };
}

export type Setup = Awaited<ReturnType<typeof setup>>;

/** POST /carts: a guest cart's token and body. */
export async function newGuestCart(s: Setup) {
  const res = await s.app.inject({ method: 'POST', url: '/carts' });
  if (res.statusCode !== 201) throw new Error(`guest cart: ${res.statusCode} ${res.body}`);
  return res.json() as { token: string; cart: any };
}

export async function addItem(
  s: Setup,
  headers: Record<string, string>,
  productId: string,
  quantity: number,
  expected = [200, 201],
) {
  const res = await s.app.inject({
    method: 'POST',
    url: '/carts/me/items',
    headers,
    payload: { productId, quantity },
  });
  if (!expected.includes(res.statusCode)) throw new Error(`add: ${res.statusCode} ${res.body}`);
  return res;
}

export async function myCart(s: Setup, headers: Record<string, string>) {
  const res = await s.app.inject({ method: 'GET', url: '/carts/me', headers });
  if (res.statusCode !== 200) throw new Error(`GET /carts/me: ${res.statusCode} ${res.body}`);
  return res.json();
}

export { eventually };
export const PROBLEM = 'application/problem+json; charset=utf-8';
