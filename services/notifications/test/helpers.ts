// Shared set-up for the notifications tests: a real SMTP server in-process (@mercato/testing's
// startSmtpSink: smtp-server + mailparser), a tiny HTTP server standing in for invoices' PDF route
// (our own service: no nock), and the real app on an isolated schema and a unique exchange.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@mercato/kit';
import { type Envelope, envelope } from '@mercato/messaging';
import {
  deleteConsumerTopology,
  eventually,
  isolatedSchema,
  publishEvents,
  querySchema,
  startSmtpSink,
  startTcpProxy,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import { uuidv7 } from 'uuidv7';
import { type AppDeps, buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

export const RETRY_DELAYS = '200,400';
export const CONSUMERS = ['notifications.accounts', 'notifications.orders', 'notifications.stock'];
export const FIXTURE_TEMPLATES = fileURLToPath(new URL('./fixtures/templates/', import.meta.url));
export const PROBLEM = 'application/problem+json; charset=utf-8';

export const PDF = Buffer.from('%PDF-1.4\n% a tiny stand-in for an invoice\n%%EOF\n', 'latin1');

/** invoices' GET /invoices/{id}/pdf?token=…: serves PDF for a token it was given, 404 otherwise. */
export async function pdfServer(t: Tap) {
  const tokens = new Map<string, string>(); // invoiceId -> token
  const state = { down: false, requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/invoices\/([^/]+)\/pdf$/.exec(url.pathname);
    if (state.down) {
      res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{}');
      return;
    }
    if (!m || tokens.get(m[1]!) !== url.searchParams.get('token')) {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF);
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
    state,
    /** a new invoice the server knows, with its download token */
    invoice() {
      const invoiceId = uuidv7();
      const token = `tok_${uuidv7().replace(/-/g, '')}`;
      tokens.set(invoiceId, token);
      return { invoiceId, token };
    },
  };
}

export interface SetupOptions {
  env?: Record<string, string>;
  deps?: AppDeps;
  /** send through a TCP proxy that the test can cut (SMTP down) */
  proxy?: boolean;
}

export async function setup(t: Tap, opts: SetupOptions = {}) {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const pdf = await pdfServer(t);
  const proxy = opts.proxy ? await startTcpProxy({ host: '127.0.0.1', port: sink.port }) : undefined;
  if (proxy) t.teardown(() => proxy.close());
  const schema = await isolatedSchema(t, 't_ntf');
  const exchange = uniqueName('t_ntf');
  const auth = await testAuth();
  const config = loadConfig(configSchema, {
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://identity.test/jwks',
    CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS,
    SMTP_PORT: String(proxy?.port ?? sink.port),
    SMTP_TIMEOUT_MS: '2000',
    INVOICES_URL: pdf.url,
    INVOICES_TIMEOUT_MS: '1000',
    SHOP_NAME: 'Testshop',
    SHOP_URL: 'https://shop.test',
    PUBLIC_API_URL: 'https://api.shop.test',
    ADMIN_ALERT_EMAILS: 'ops@shop.test, boss@shop.test',
    SENDER_POLL_INTERVAL_MS: '50',
    SEND_RETRY_BASE_MS: '100',
    SEND_RETRY_MAX_MS: '300',
    SEND_MAX_ATTEMPTS: '4',
    ...opts.env,
  });
  const apps: Awaited<ReturnType<typeof buildApp>>[] = [];
  const start = async (deps: AppDeps = opts.deps ?? {}) => {
    const a = await buildApp(config, { jwks: auth.jwks, extraTemplateDirs: [FIXTURE_TEMPLATES], ...deps });
    apps.push(a);
    return a;
  };
  const app = await start();
  t.teardown(async () => {
    for (const a of apps) await a.close().catch(() => {});
    await deleteConsumerTopology(exchange, CONSUMERS, RETRY_DELAYS.split(',').map(Number));
  });
  const query = <R = any>(sql: string, params: unknown[] = []) => querySchema<R>(schema, sql, params);
  const publish = (...events: Envelope[]) => publishEvents(exchange, events);
  const event = <T>(type: string, data: T) => envelope(type, data, { source: 'test' });
  /** Waits until the service has committed the message. */
  const handled = (e: Envelope, consumer?: string) =>
    eventually(async () => {
      const rows = await query(
        `select 1 from inbox where message_id = $1${consumer ? ' and consumer = $2' : ''}`,
        consumer ? [e.id, consumer] : [e.id],
      );
      if (rows.length === 0) throw new Error(`${e.type} ${e.id} not handled yet`);
    });
  const user = async (role: 'customer' | 'admin' = 'customer') => {
    const id = uuidv7();
    return { id, token: await auth.sign({ sub: id, role }), email: `${uniqueName('u')}@example.test` };
  };
  /** A user the service knows (user.registered handled). */
  const registered = async (name = 'Ada Lovelace') => {
    const u = await user();
    const e = event('user.registered', {
      userId: u.id,
      email: u.email,
      username: u.email.split('@')[0]!,
      name,
      role: 'customer',
    });
    await publish(e);
    await handled(e);
    return { ...u, name };
  };
  const records = (where = 'true', params: unknown[] = []) =>
    query(`select * from notification where ${where} order by id`, params);
  /**
   * Waits until no record (of `where`) is still queued, and returns them: a mail reaches the sink
   * before the sender commits the record's "sent".
   */
  const settled = (where = 'true', params: unknown[] = []) =>
    eventually(async () => {
      const rows = await records(where, params);
      const queued = rows.filter((r: any) => r.status === 'queued').length;
      if (queued > 0) throw new Error(`${queued} record(s) still queued`);
      return rows;
    });
  return {
    app,
    apps,
    start,
    config,
    schema,
    exchange,
    auth,
    sink,
    pdf,
    proxy,
    query,
    publish,
    event,
    handled,
    user,
    registered,
    records,
    settled,
    bearer: (token: string) => ({ authorization: `Bearer ${token}` }),
  };
}
export type Setup = Awaited<ReturnType<typeof setup>>;

/** An order.placed payload: 2 × 10.25 + 1 × 4.50 = 25.00 EUR. */
export function orderPlaced(userId: string) {
  return {
    orderId: uuidv7(),
    userId,
    revision: 1,
    lines: [
      {
        itemId: uuidv7(),
        productId: uuidv7(),
        productName: 'The Hobbit',
        quantity: 2,
        unitPrice: { amount: '10.25', currency: 'EUR' },
      },
      { itemId: uuidv7(), productId: uuidv7(), quantity: 1, unitPrice: { amount: '4.50', currency: 'EUR' } },
    ],
    total: { amount: '25.00', currency: 'EUR' },
    paymentMethod: { type: 'card' as const, token: 'tok_visa' },
    shippingAddressId: uuidv7(),
  };
}

export { eventually };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
