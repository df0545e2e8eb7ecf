// `npm run bench:recommendations`: answer times of the recommendations service on a big history.
// Generates BENCH_PRODUCTS (10,000) products and BENCH_ORDERS (200,000) confirmed orders with planted
// structure (services/recommendations/eval/generate.ts), computes the statistics with the service's own
// arithmetic (domain/model.ts) and writes them straight into a schema of its own (no events: loading
// 200,000 orders through RabbitMQ would take longer than the measurement), VACUUM ANALYZEs it, starts
// the service as its own process on that schema, and loads each endpoint with BENCH_CONNECTIONS
// closed-loop clients (a list: "1,10" by default, each in turn) for BENCH_DURATION_S (10 s): req/s,
// p50/p99/max at the client, over loopback, and the cores the load generator (this process), the
// service, PostgreSQL and the whole machine used meanwhile. Takes about two and a half minutes.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import {
  deleteConsumerTopology,
  freeTcpPort,
  type PrivateRabbitMQ,
  startPrivateRabbitMQ,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testAuth,
} from '@mercato/testing';
import pg from 'pg';
import { generate } from '../services/recommendations/eval/generate.ts';
import { decayWeight, weightText } from '../services/recommendations/src/domain/decay.ts';
import { CoPurchaseModel } from '../services/recommendations/src/domain/model.ts';
import { cpuDelta, cpuSnapshot, percentile } from './lib/measure.ts';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 200_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 40_000);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,10').split(',').map(Number);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const SCHEMA = 'bench_recommendations';
const EXCHANGE = 'bench_recommendations';
const HALF_LIVES = { coPurchaseDays: 90, popularDays: 7 };
const BATCH = 20_000;

const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function startService(jwksUrl: string, amqpUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freeTcpPort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/recommendations/src/server.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: SCHEMA,
      AMQP_URL: amqpUrl,
      AMQP_EXCHANGE: EXCHANGE,
      REDIS_URL: TEST_REDIS_URL,
      JWKS_URL: jwksUrl,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const failed = (msg: string) => {
    child.kill('SIGTERM');
    return new Error(msg);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { url, child };
    } catch {}
    if (Date.now() > deadline) throw failed('the service did not get ready in 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function insertRows(db: pg.Client, sql: string, rows: unknown[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH)
    await db.query(sql, [JSON.stringify(rows.slice(i, i + BATCH))]);
}

async function load(db: pg.Client) {
  const started = performance.now();
  const data = generate({
    products: PRODUCTS,
    orders: ORDERS,
    customers: CUSTOMERS,
    seed: 16,
    categories: 50,
  });
  const model = new CoPurchaseModel(HALF_LIVES);
  for (const o of data.orders) model.addBasket(o.productIds, o.atMs);
  log(
    `generated ${PRODUCTS} products, ${ORDERS} orders in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const t = (name: string) => `"${SCHEMA}".${name}`;
  await db.query(`truncate ${t('product')}, ${t('co_purchase')}, ${t('co_view')}, ${t('purchase')} cascade`);
  await insertRows(
    db,
    `insert into ${t('product')} (product_id, known, name, category, amount, currency, active, orders, bought_weight, popular_weight)
     select x.id, true, x.name, x.category, 9.99, 'EUR', true, x.orders, x.w, x.wp
     from jsonb_to_recordset($1::jsonb) as x(id uuid, name text, category text, orders integer, w numeric, wp numeric)`,
    data.products.map((p, i) => {
      const s = model.items.get(p.productId);
      return {
        id: p.productId,
        name: `Product ${i + 1}`,
        category: p.category,
        orders: s?.orders ?? 0,
        w: weightText(s?.weight ?? 0),
        wp: weightText(s?.popular ?? 0),
      };
    }),
  );
  const pairs: { a: string; b: string; n: number; w: string }[] = [];
  for (const [a, partners] of model.pairs)
    for (const [b, p] of partners) pairs.push({ a, b, n: p.orders, w: weightText(p.weight) });
  await insertRows(
    db,
    `insert into ${t('co_purchase')} (product_id, other_id, orders, weight)
     select x.a, x.b, x.n, x.w from jsonb_to_recordset($1::jsonb) as x(a uuid, b uuid, n integer, w numeric)`,
    pairs,
  );
  log(`${pairs.length} co-purchase rows`);
  await insertRows(
    db,
    `insert into ${t('purchase')} (order_id, user_id, state, at, weight, popular_weight)
     select x.id, x.u, 'confirmed', x.at, x.w, x.wp
     from jsonb_to_recordset($1::jsonb) as x(id uuid, u uuid, at timestamptz, w numeric, wp numeric)`,
    data.orders.map((o) => ({
      id: o.orderId,
      u: o.userId,
      at: new Date(o.atMs).toISOString(),
      w: weightText(decayWeight(o.atMs, HALF_LIVES.coPurchaseDays)),
      wp: weightText(decayWeight(o.atMs, HALF_LIVES.popularDays)),
    })),
  );
  await insertRows(
    db,
    `insert into ${t('purchase_item')} (order_id, product_id, quantity)
     select x.o, x.p, 1 from jsonb_to_recordset($1::jsonb) as x(o uuid, p uuid)`,
    data.orders.flatMap((o) => o.productIds.map((p) => ({ o: o.orderId, p }))),
  );
  for (const name of ['product', 'co_purchase', 'purchase', 'purchase_item'])
    await db.query(`vacuum analyze ${t(name)}`);
  log(`loaded and vacuumed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return data;
}

/** Busy CPU seconds of the whole machine, every core (Linux /proc/stat; NaN elsewhere). */
function machineBusySeconds(): number {
  try {
    const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
    const t = ticks.map(Number);
    const idle = (t[3] ?? 0) + (t[4] ?? 0); // idle + iowait
    return (t.slice(0, 8).reduce((a, b) => a + b, 0) - idle) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Closed loop: `connections` clients, each sends its next request when the last one answered. */
async function hammer(
  url: string,
  path: () => string,
  headers: () => Record<string, string>,
  connections: number,
  servicePid?: number,
  /** a fixed list of requests: stop when it says so, however long it takes */
  done?: () => boolean,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const cpu0 = process.cpuUsage();
  const processes = [{ name: 'service', pid: servicePid }];
  const processes0 = cpuSnapshot(processes);
  const machine0 = machineBusySeconds();
  const wall0 = performance.now();
  const latencies: number[] = [];
  let failed = 0;
  const end = done ? Number.POSITIVE_INFINITY : performance.now() + DURATION_S * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = http.get(`${url}${path()}`, { agent, headers: headers() }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - started);
          if (res.statusCode !== 200) failed++;
          resolve();
        });
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end && !done?.()) await one();
    }),
  );
  const wall = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const used = cpuDelta(processes0, cpuSnapshot(processes));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    /** cores used on average by the load generator, the service, PostgreSQL, the machine as a whole */
    cores: {
      generator: (cpu.user + cpu.system) / 1e6 / wall,
      service: (used.get('service') ?? Number.NaN) / wall,
      postgres: (used.get('postgres') ?? Number.NaN) / wall,
      machine: (machineBusySeconds() - machine0) / wall,
    },
    wall,
    rps: latencies.length / wall,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    failed,
    total: latencies.length,
  };
}

const auth = await testAuth();
const jwksServer = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(auth.jwks));
});
jwksServer.listen(0, '127.0.0.1');
await once(jwksServer, 'listening');
const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;

const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
await db.connect();
let service: { url: string; child: ChildProcess } | undefined;
// BENCH_PRIVATE_BROKER=1: a RabbitMQ node of the benchmark's own (the service needs a broker to start,
// though nothing is published during the measurement).
let broker: PrivateRabbitMQ | undefined;
try {
  if (process.env.BENCH_PRIVATE_BROKER) broker = await startPrivateRabbitMQ();
  await db.query(`drop schema if exists ${SCHEMA} cascade`);
  service = await startService(jwksUrl, broker?.url ?? TEST_AMQP_URL); // it migrates its (new) schema
  const data = await load(db);
  const ids = data.products.map((p) => p.productId);
  const buyers = [...new Set(data.orders.map((o) => o.userId))];
  const tokens = await Promise.all(
    buyers.slice(0, 2000).map((sub) => auth.sign({ sub, role: 'customer', expiresIn: '1h' })),
  );
  const newcomers = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      auth.sign({
        sub: `0190ffff-0000-7000-8000-${String(i).padStart(12, '0')}`,
        role: 'customer',
        expiresIn: '1h',
      }),
    ),
  );
  const any = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)] as T;
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}; ${CONNECTIONS.join(' then ')} connections, ${DURATION_S} s each, latency at the client (loopback)`,
  );
  const url = service.url;
  // First pass, cache cold: every product's answer once, then every buyer's, by the most connections
  // asked: each answer loads its lists (the miss path). A service that has run a while answers from
  // its cache as in the runs after this (and a product's next change reloads only that product).
  const connections = Math.max(...CONNECTIONS);
  for (const [name, requests] of [
    [
      'every product once',
      ids.map((id) => ({ path: `/recommendations/products/${id}?limit=10`, headers: {} })),
    ],
    [
      `every one of ${tokens.length} buyers once`,
      tokens.map((token) => ({
        path: '/recommendations/me?limit=10',
        headers: { authorization: `Bearer ${token}` },
      })),
    ],
  ] as const) {
    const list = requests as readonly { path: string; headers: Record<string, string> }[];
    // hammer asks for the path, then for the headers, of each request
    let next = 0;
    const r = await hammer(
      url,
      () => (list[next] ?? list[0])?.path ?? '/',
      () => list[next++]?.headers ?? {},
      connections,
      service.child.pid,
      () => next >= list.length,
    );
    console.log(
      `first pass, cache cold, ${name}, ${connections} conn: ${r.total} requests in ${r.wall.toFixed(1)} s, ` +
        `p50 ${r.p50?.toFixed(1)} ms, p99 ${r.p99?.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, ${r.failed} not 200`,
    );
  }
  const runs: [string, () => string, () => Record<string, string>][] = [
    [
      'GET /recommendations/products/{id}?limit=10 (random product)',
      () => `/recommendations/products/${any(ids)}?limit=10`,
      () => ({}),
    ],
    [
      'GET /recommendations/products/{id}?limit=10 (the 50 best-sellers)',
      () => `/recommendations/products/${any(ids.slice(0, 50))}?limit=10`,
      () => ({}),
    ],
    [
      'GET /recommendations/me?limit=10 (a buyer)',
      () => '/recommendations/me?limit=10',
      () => ({ authorization: `Bearer ${any(tokens)}` }),
    ],
    [
      'GET /recommendations/me?limit=10 (no history)',
      () => '/recommendations/me?limit=10',
      () => ({ authorization: `Bearer ${any(newcomers)}` }),
    ],
  ];
  for (const connections of CONNECTIONS)
    for (const [name, path, headers] of runs) {
      const r = await hammer(url, path, headers, connections, service.child.pid);
      console.log(
        `${name}, ${connections} conn: ${r.rps.toFixed(0)} req/s, p50 ${r.p50?.toFixed(1)} ms, ` +
          `p99 ${r.p99?.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, ${r.total} requests, ${r.failed} not 200; ` +
          `cores: load generator ${r.cores.generator.toFixed(2)}, service ${r.cores.service.toFixed(2)}, ` +
          `postgres ${r.cores.postgres.toFixed(2)}, machine ${r.cores.machine.toFixed(2)} of ${cpus().length}`,
      );
    }
} finally {
  if (service) {
    service.child.kill('SIGTERM');
    await once(service.child, 'exit');
    // The queues the service declared on the shared broker (a private one goes away whole).
    if (!broker)
      await deleteConsumerTopology(
        EXCHANGE,
        ['purchases', 'products', 'stock-levels', 'erasure'].map((c) => `recommendations.${c}`),
        [1000, 5000, 30000],
      ).catch((err) => console.error(`could not delete the bench's queues: ${err}`));
  }
  // BENCH_KEEP_SCHEMA=1 keeps the loaded schema for EXPLAIN (dropped by the next run).
  if (!process.env.BENCH_KEEP_SCHEMA) await db.query(`drop schema if exists ${SCHEMA} cascade`);
  await db.end();
  jwksServer.close();
  await broker?.stop();
}
