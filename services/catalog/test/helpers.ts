// Starts a catalog on its own schema, exchange and cache namespace, with locally signed tokens.
import { Broker } from '@mercato/messaging';
import {
  isolatedSchema,
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

export async function startCatalog(t: Tap, overrides: Partial<Config> = {}) {
  const schema = await isolatedSchema(t, 't_cat');
  const exchange = uniqueName('t_cat_ex');
  const auth = await testAuth();
  const config: Config = {
    HOST: '127.0.0.1',
    PORT: 0,
    LOG_LEVEL: 'silent',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://127.0.0.1:9/unused-tests-pass-jwks',
    CACHE_TTL_SECONDS: 30,
    SEED_DEMO_CATALOG: false,
    SHOW_STOCK_QUANTITY: true,
    ...overrides,
  };
  const app = await buildApp(config, { jwks: auth.jwks });
  t.teardown(async () => {
    await app.close();
    const admin = await Broker.connect({ url: TEST_AMQP_URL, exchange });
    await admin.deleteTopology();
    await admin.close();
  });
  const adminToken = await auth.sign({ sub: uuidv7(), role: 'admin' });
  const customerToken = await auth.sign({ sub: uuidv7(), role: 'customer' });
  return {
    app,
    config,
    schema,
    exchange,
    auth,
    admin: { authorization: `Bearer ${adminToken}` },
    customer: { authorization: `Bearer ${customerToken}` },
  };
}

export type Catalog = Awaited<ReturnType<typeof startCatalog>>;

/** A book body with a unique name (tests run in parallel and names are unique). */
export function bookBody(overrides: Record<string, unknown> = {}) {
  return {
    name: `Book ${uniqueName('b')}`,
    description: 'A test book.',
    category: 'books',
    price: { amount: '12.50', currency: 'EUR' },
    attributes: { author: 'Test Author', isbn: '978-0-261-10221-7' },
    ...overrides,
  };
}

export async function createCategory(c: Catalog, slug: string, name = slug) {
  const res = await c.app.inject({
    method: 'POST',
    url: '/products/categories',
    headers: c.admin,
    payload: { slug, name },
  });
  if (res.statusCode !== 201) throw new Error(`category ${slug}: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function createProduct(c: Catalog, body: Record<string, unknown>) {
  const res = await c.app.inject({ method: 'POST', url: '/products', headers: c.admin, payload: body });
  if (res.statusCode !== 201) throw new Error(`product: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Rows in the outbox, oldest first: what the catalog has committed to publish. */
export async function outboxTypes(c: Catalog): Promise<string[]> {
  const rows = await c.app.orm.em.fork().execute('select type from outbox order by id');
  return rows.map((r) => String(r.type));
}

export async function productCount(c: Catalog): Promise<number> {
  const [row] = await c.app.orm.em.fork().execute('select count(*)::int as n from product');
  return row.n;
}
