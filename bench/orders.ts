// npm run bench:orders — the order flow as users run it: every service as its own process, started
// exactly as `npm start` starts it (same code, same OpenTelemetry instrumentation, same log level),
// driven through the gateway on a seeded catalog.
//
// Open-loop (default): for each arrival rate, POST /orders start on a fixed schedule whether or not
// earlier ones have answered (no coordinated omission: a request's latency runs from when it was due).
// Per rate it prints POST /orders p50/p99, placement → CONFIRMED p50/p99 from each order's own status
// history (server timestamps, read after the run, not by polling), and what the rate cost: CPU
// milliseconds per confirmed order of every process (services, PostgreSQL, RabbitMQ, Redis),
// PostgreSQL transactions and WAL bytes per order. Then the highest rate whose placement → CONFIRMED
// p99 stayed under 1 s, and pgbench on the same server for the ratio.
//   BENCH_RATES (orders/s, default 10,20,30,45,60)  BENCH_SECONDS (per rate, default 20)
// Closed-loop (BENCH_MODE=closed): N orders at concurrency C as fast as they are answered, then
// confirmed orders/s, latencies and the database work per table.
//   BENCH_ORDERS (default 2000)  BENCH_CONCURRENCY (default 50)
// Both: BENCH_PRODUCTS (default 20)  BENCH_CUSTOMERS (default 50)  PGBENCH_SECONDS (default 10)
//   BENCH_LOG_LEVEL (default: as shipped, info)  BENCH_TRACING=off (the SDK disabled, for the ratio)
//   CPU_PROFILE_DIR=/tmp/prof: one V8 CPU profile per service (written on exit).
//   BENCH_TRACING=export: every service exports its traces over OTLP/HTTP to a sink (a child process
//     that counts the spans and discards them) with the sampler the chart and compose.yaml leave as is
//     (none set: parent-based always-on when exporting); export-<N>: parentbased_traceidratio N %.
//     The tracing goal on order throughput: closed loop, confirmed orders/s with export against off.
// --root DIR (or BENCH_ROOT=DIR): another checkout's own `npm start` (DIR/scripts/start.ts: every
//   service it starts, as it runs them, its demo seeding included) instead of startSystem's order
//   flow, on ports, a database and a RabbitMQ vhost of the run's own (no npm start lock needed), driven
//   through its gateway with the same load and measures. CPU is every process under that start (start
//   itself, which relays every service's log lines, as `start`), then PostgreSQL, RabbitMQ, Redis. For
//   a before/after, run both checkouts this way (--root /tmp/before, --root .): npm start runs more
//   services than startSystem does (shipping's quotes, notifications' mails, recommendations, web).
//   BENCH_START_SERVICES=gateway,identity,… : only those (START_SERVICES of that start), e.g. the order
//   path of startSystem in both trees of a before/after.
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TEST_AMQP_URL } from '@mercato/testing';
import amqp from 'amqplib';
import { adminClient, type Customer, loginAs, newCustomer, stockedProduct } from '../test/support/client.ts';
import { type ServiceName, startSystem } from '../test/support/system.ts';
import {
  cpuDelta,
  cpuSnapshot,
  databaseWork,
  percentile,
  pgbench,
  printTableWork,
  tableWork,
} from './lib/measure.ts';
import { START_ADMIN, startCheckout } from './lib/npm-start.ts';
import { exportEnv, type SpanSink, startSpanSink } from './lib/span-sink.ts';

const MODE = process.env.BENCH_MODE === 'closed' ? 'closed' : 'open';
const RATES = (process.env.BENCH_RATES ?? '10,20,30,45,60').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const N = Number(process.env.BENCH_ORDERS ?? 2000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 50);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 20);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50);
const PGBENCH_SECONDS = Number(process.env.PGBENCH_SECONDS ?? 10);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const TRACING = process.env.BENCH_TRACING ?? 'shipped';
// --root only: start that checkout's `npm start` with START_SERVICES, e.g. the order path alone in two
// trees, so that a before/after compares the same services as each tree's own start runs them.
const START_SERVICES = process.env.BENCH_START_SERVICES;
if (!['shipped', 'off'].includes(TRACING) && !exportEnv(TRACING, 'http://sink'))
  throw new Error(`BENCH_TRACING: unknown ${TRACING} (shipped, off, export, export-<percent>)`);
const rootArg = parseArgs({ options: { root: { type: 'string' } } }).values.root ?? process.env.BENCH_ROOT;
const ROOT = rootArg ? path.resolve(rootArg) : undefined;
/** How long the pipeline may take to finish a rate's orders before the next rate starts. */
const DRAIN_TIMEOUT_MS = 120_000;

const ms = (n: number) => `${n.toFixed(0)} ms`;
const sleep = (millis: number) => new Promise((r) => setTimeout(r, millis));

interface Shop {
  gatewayUrl: string;
  /** The order flow's database (undefined: the tests' database, where startSystem puts its schemas). */
  databaseUrl?: string;
  /** Every process whose CPU the run costs, by service name, read now. */
  processes(): { name: string; pid?: number }[];
  sink?: SpanSink;
  stop(): Promise<void>;
  products: string[];
  customers: Customer[];
  /** Orders that reached CONFIRMED or CANCELLED, seen on the bus as a downstream service would. */
  finished: Map<string, 'CONFIRMED' | 'CANCELLED'>;
  confirmedSeenAt: Map<string, number>;
  closeWatcher(): Promise<void>;
}

const orderBody = (shop: Shop, i: number, customer: Customer) => ({
  lines: [{ productId: shop.products[i % shop.products.length], quantity: 1 }],
  shippingAddressId: customer.addressId,
  paymentMethod: { type: 'card', token: 'tok_visa' },
});

/** The services: startSystem's order flow, or --root's checkout as its own `npm start` runs it. */
async function startServices(sink: SpanSink | undefined) {
  const tracing: Record<string, string> =
    TRACING === 'shipped'
      ? {}
      : TRACING === 'off'
        ? { OTEL_SDK_DISABLED: 'true' }
        : exportEnv(TRACING, sink!.url)!;
  if (ROOT) {
    const run = await startCheckout(ROOT, {
      env: {
        ...tracing,
        ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: LOG_LEVEL } : {}),
        ...(START_SERVICES ? { START_SERVICES } : {}),
      },
      label: path.basename(ROOT).replace(/[^a-z0-9]/gi, '_'),
    });
    return {
      gatewayUrl: run.gatewayUrl,
      amqpUrl: run.amqpUrl,
      exchange: run.exchange,
      databaseUrl: run.databaseUrl,
      processes: run.processes,
      stop: run.stop,
      admin: () => loginAs(run.gatewayUrl, START_ADMIN.email, START_ADMIN.password),
    };
  }
  const system = await startSystem({
    childProcesses: 'all',
    logLevel: LOG_LEVEL,
    shipped: true,
    env: perService(tracing),
  });
  return {
    gatewayUrl: system.gatewayUrl,
    amqpUrl: TEST_AMQP_URL,
    exchange: system.exchange,
    databaseUrl: undefined,
    processes: () => system.services,
    stop: system.stop,
    admin: () => adminClient(system.gatewayUrl),
  };
}

async function setUp(): Promise<Shop> {
  const sink = TRACING.startsWith('export') ? await startSpanSink() : undefined;
  const system = await startServices(sink).catch((err) => {
    sink?.child.kill();
    throw err;
  });
  const admin = await system.admin();
  const onHand = (MODE === 'closed' ? N : Math.max(...RATES) * SECONDS * RATES.length) * 10;
  const products: string[] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    products.push((await stockedProduct(admin, { onHand, price: `${10 + i}.50` })).productId);
  }
  const customers: Customer[] = [];
  for (let i = 0; i < CUSTOMERS; i++) customers.push(await newCustomer(system.gatewayUrl));

  const conn = await amqp.connect(system.amqpUrl);
  const ch = await conn.createChannel();
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, system.exchange, 'order.confirmed');
  await ch.bindQueue(queue, system.exchange, 'order.cancelled');
  const finished = new Map<string, 'CONFIRMED' | 'CANCELLED'>();
  const confirmedSeenAt = new Map<string, number>();
  await ch.consume(
    queue,
    (msg) => {
      if (!msg) return;
      const event = JSON.parse(msg.content.toString());
      if (event.type === 'order.confirmed') {
        finished.set(event.data.orderId, 'CONFIRMED');
        confirmedSeenAt.set(event.data.orderId, performance.now());
      } else finished.set(event.data.orderId, 'CANCELLED');
    },
    { noAck: true },
  );
  const shop: Shop = {
    gatewayUrl: system.gatewayUrl,
    databaseUrl: system.databaseUrl,
    processes: system.processes,
    sink,
    stop: async () => {
      await system.stop();
      sink?.child.kill();
    },
    products,
    customers,
    finished,
    confirmedSeenAt,
    closeWatcher: () => conn.close(),
  };

  // Wait until the orders service has learned every product's price, then let the warm-up settle.
  for (let i = 0; i < products.length; i++) {
    for (;;) {
      const r = await customers[0]!.client.post('/orders', orderBody(shop, i, customers[0]!));
      if (r.status === 201) break;
      await sleep(100);
    }
  }
  await sleep(1000);
  return shop;
}

/** The same environment for every service startSystem starts (the tracing configuration). */
function perService(env: Record<string, string>): Partial<Record<ServiceName, Record<string, string>>> {
  const names: ServiceName[] = [
    'identity',
    'catalog',
    'inventory',
    'cart',
    'orders',
    'payments',
    'invoices',
    'gateway',
  ];
  return Object.fromEntries(names.map((n) => [n, env]));
}

/** Waits until every order in `ids` is CONFIRMED or CANCELLED on the bus (or the timeout). */
async function drain(shop: Shop, ids: Iterable<string>): Promise<void> {
  const pending = new Set(ids);
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (performance.now() < deadline) {
    for (const id of pending) if (shop.finished.has(id)) pending.delete(id);
    if (pending.size === 0) return;
    await sleep(200);
  }
  console.log(`  (${pending.size} orders still not final after ${DRAIN_TIMEOUT_MS / 1000} s)`);
}

/** Placement → CONFIRMED of every order that was confirmed, from its own status history (server clocks). */
async function confirmationTimes(placed: Map<string, Customer>): Promise<number[]> {
  const times: number[] = [];
  const ids = [...placed.keys()];
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (;;) {
        const id = ids[next++];
        if (!id) return;
        const r = await placed.get(id)!.client.get(`/orders/${id}/status`);
        // Confirmed at some point: with shipping running (npm start) an order moves on past CONFIRMED
        // (shipped, delivered) while the run drains, and must still count.
        if (r.status !== 200) continue;
        const history = r.body.history as { from: string | null; to: string; at: string }[];
        const created = history.find((h) => h.from === null);
        const confirmed = history.find((h) => h.to === 'CONFIRMED');
        if (created && confirmed) times.push(Date.parse(confirmed.at) - Date.parse(created.at));
      }
    }),
  );
  return times.sort((a, b) => a - b);
}

interface RateResult {
  rate: number;
  confirmP99: number;
}

async function openLoopRate(shop: Shop, rate: number): Promise<RateResult> {
  const url = new URL('/orders', shop.gatewayUrl);
  // Enough sockets that the client is never the bottleneck; a request waiting for one still counts
  // its wait, because latency runs from the scheduled start.
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(rate * SECONDS);
  const latencies: number[] = [];
  const placed = new Map<string, Customer>();
  const failedBy = new Map<string, number>();
  const offset = Math.floor(Math.random() * 1_000_000);

  const send = (i: number, due: number) =>
    new Promise<void>((resolve) => {
      const customer = shop.customers[(offset + i) % shop.customers.length]!;
      const body = JSON.stringify(orderBody(shop, offset + i, customer));
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${customer.client.token}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            latencies.push(performance.now() - due);
            if (res.statusCode === 201) placed.set(JSON.parse(Buffer.concat(chunks).toString()).id, customer);
            else failedBy.set(String(res.statusCode), (failedBy.get(String(res.statusCode)) ?? 0) + 1);
            resolve();
          });
        },
      );
      req.on('error', (err) => {
        failedBy.set(err.message, (failedBy.get(err.message) ?? 0) + 1);
        resolve();
      });
      req.end(body);
    });

  const dbBefore = await databaseWork(shop.databaseUrl);
  const cpuBefore = cpuSnapshot(shop.processes());
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(send(i, due));
  }
  await Promise.all(inflight);
  const sentSeconds = (performance.now() - start) / 1000;
  agent.destroy();
  await drain(shop, placed.keys());
  const cpu = cpuDelta(cpuBefore, cpuSnapshot(shop.processes()));
  await sleep(1500); // backends report their counters about once a second
  const dbAfter = await databaseWork(shop.databaseUrl);

  const confirmTimes = await confirmationTimes(placed);
  latencies.sort((a, b) => a - b);
  const confirmed = confirmTimes.length;
  const cancelled = [...placed.keys()].filter((id) => shop.finished.get(id) === 'CANCELLED').length;
  const failures = [...failedBy].map(([why, n]) => `${why}×${n}`).join(', ');
  const perOrder = (n: number) => n / Math.max(1, confirmed);
  const totalCpu = [...cpu.values()].reduce((a, b) => a + b, 0);
  console.log(
    `rate ${rate}/s: sent ${total} in ${sentSeconds.toFixed(1)} s, placed ${placed.size}` +
      `${failures ? ` (failed ${failures})` : ''}, confirmed ${confirmed}, cancelled ${cancelled}`,
  );
  console.log(
    `  POST /orders p50 ${ms(percentile(latencies, 50))} p99 ${ms(percentile(latencies, 99))}; ` +
      `placement → CONFIRMED p50 ${ms(percentile(confirmTimes, 50))} p99 ${ms(percentile(confirmTimes, 99))}`,
  );
  console.log(
    `  CPU per confirmed order ${(perOrder(totalCpu) * 1000).toFixed(1)} ms: ` +
      [...cpu].map(([name, secs]) => `${name} ${(perOrder(secs) * 1000).toFixed(1)}`).join(', '),
  );
  console.log(
    `  PostgreSQL per order: ${perOrder(dbAfter.xacts - dbBefore.xacts).toFixed(1)} transactions, ` +
      `${perOrder(dbAfter.walBytes - dbBefore.walBytes).toFixed(0)} WAL bytes` +
      (dbAfter.statements === undefined || dbBefore.statements === undefined
        ? ''
        : `, ${perOrder(dbAfter.statements - dbBefore.statements).toFixed(1)} statements`) +
      ` (autovacuum ${dbAfter.autovacuum})`,
  );
  return {
    rate,
    confirmP99: confirmed >= placed.size * 0.99 ? percentile(confirmTimes, 99) : Number.POSITIVE_INFINITY,
  };
}

async function openLoop(shop: Shop): Promise<void> {
  const results: RateResult[] = [];
  for (const rate of RATES) {
    results.push(await openLoopRate(shop, rate));
    await sleep(2000);
  }
  const sustained = results.filter((r) => r.confirmP99 < 1000).map((r) => r.rate);
  console.log(
    `highest rate with placement → CONFIRMED p99 < 1 s: ${sustained.length ? `${Math.max(...sustained)} orders/s` : 'none of those tried'}`,
  );
  const tps = pgbench(PGBENCH_SECONDS);
  if (tps) {
    console.log(`pgbench:    ${tps.toFixed(0)} tps (TPC-B, 8 clients, ${PGBENCH_SECONDS} s)`);
    if (sustained.length) {
      console.log(
        `ratio:      ${(Math.max(...sustained) / tps).toFixed(3)} sustained orders/s per pgbench tps`,
      );
    }
  }
}

async function closedLoop(shop: Shop): Promise<void> {
  const dbBefore = await databaseWork(shop.databaseUrl);
  const tablesBefore = await tableWork(shop.databaseUrl);
  const cpuBefore = cpuSnapshot(shop.processes());
  const benchBefore = process.cpuUsage();
  const placedAt = new Map<string, number>();
  const latencies: number[] = [];
  const failedBy = new Map<number, number>();
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      for (;;) {
        const i = next++;
        if (i >= N) return;
        const customer = shop.customers[i % shop.customers.length]!;
        const t0 = performance.now();
        const r = await customer.client.post('/orders', orderBody(shop, i, customer));
        latencies.push(performance.now() - t0);
        if (r.status === 201) placedAt.set(r.body.id, t0);
        else {
          failures++;
          failedBy.set(r.status, (failedBy.get(r.status) ?? 0) + 1);
        }
      }
    }),
  );
  const placedSeconds = (performance.now() - started) / 1000;
  await drain(shop, placedAt.keys());
  const cpu = cpuDelta(cpuBefore, cpuSnapshot(shop.processes()));
  const bench = process.cpuUsage(benchBefore);
  // Invoices are issued just after confirmation, and backends report their counters about once a
  // second: let both settle before reading them.
  await sleep(2000);
  const dbAfter = await databaseWork(shop.databaseUrl);
  const tablesAfter = await tableWork(shop.databaseUrl);
  const confirmTimes: number[] = [];
  let lastConfirm = started;
  for (const [id, t0] of placedAt) {
    const t1 = shop.confirmedSeenAt.get(id);
    if (t1 === undefined) continue;
    confirmTimes.push(t1 - t0);
    lastConfirm = Math.max(lastConfirm, t1);
  }
  const confirmedPerSecond = confirmTimes.length / ((lastConfirm - started) / 1000);
  latencies.sort((a, b) => a - b);
  confirmTimes.sort((a, b) => a - b);
  const cancelled = [...placedAt.keys()].filter((id) => shop.finished.get(id) === 'CANCELLED').length;

  const why = [...failedBy].map(([status, n]) => `${status}×${n}`).join(', ');
  console.log(
    `placed:     ${placedAt.size}/${N} (${failures} failed${why ? `: ${why}` : ''}) in ${placedSeconds.toFixed(1)} s`,
  );
  console.log(`placement:  ${(placedAt.size / placedSeconds).toFixed(1)} orders/s`);
  console.log(
    `POST /orders latency: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`,
  );
  console.log(
    `confirmed:  ${confirmTimes.length}/${placedAt.size} (cancelled ${cancelled}), ${confirmedPerSecond.toFixed(1)} orders/s`,
  );
  console.log(
    `placement → CONFIRMED: p50 ${ms(percentile(confirmTimes, 50))}, p99 ${ms(percentile(confirmTimes, 99))}`,
  );
  console.log(
    `CPU seconds during the run: ${[...cpu].map(([name, secs]) => `${name} ${secs.toFixed(1)}`).join(', ')}, ` +
      `this load generator ${((bench.user + bench.system) / 1e6).toFixed(1)}`,
  );
  const perOrder = (k: 'xacts' | 'written' | 'read' | 'walRecords' | 'walBytes') =>
    ((dbAfter[k] - dbBefore[k]) / placedAt.size).toFixed(1);
  console.log(
    `database work per order: ${perOrder('xacts')} transactions, ${perOrder('written')} rows written, ` +
      `${perOrder('read')} rows read, ${perOrder('walRecords')} WAL records, ${perOrder('walBytes')} WAL bytes ` +
      `(autovacuum ${dbAfter.autovacuum})`,
  );
  printTableWork(tablesBefore, tablesAfter, placedAt.size);
  const tps = pgbench(PGBENCH_SECONDS);
  if (tps) {
    console.log(`pgbench:    ${tps.toFixed(0)} tps (TPC-B, 8 clients, ${PGBENCH_SECONDS} s)`);
    console.log(
      `ratio:      ${(confirmedPerSecond / tps).toFixed(3)} confirmed orders per pgbench transaction`,
    );
  }
}

/** The checkout --root names, as `<commit> (<dir>)`. */
function describeRoot(root: string): string {
  try {
    const commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
    return `${commit.trim()} (${root})`;
  } catch {
    return root;
  }
}

async function main() {
  console.log(
    MODE === 'open'
      ? `bench:orders — open loop at ${RATES.join(', ')} orders/s, ${SECONDS} s each`
      : `bench:orders — closed loop, ${N} orders at concurrency ${C}`,
  );
  console.log(
    `  ${PRODUCTS} products, ${CUSTOMERS} customers; ` +
      (ROOT
        ? `npm start of ${describeRoot(ROOT)}, every service as it runs them (tracing ${TRACING})`
        : `services as shipped (logs ${LOG_LEVEL}, tracing ${TRACING})`),
  );
  const shop = await setUp();
  // With CPU_PROFILE_DIR: the load's span on the monotonic clock V8 stamps profile samples with, so
  // a profile can be cut to the run and leave start-up out.
  const from = process.hrtime.bigint() / 1000n;
  try {
    if (MODE === 'open') await openLoop(shop);
    else await closedLoop(shop);
    if (process.env.CPU_PROFILE_DIR) {
      console.log(`profile window (µs, monotonic): ${from}-${process.hrtime.bigint() / 1000n}`);
    }
    if (shop.sink) {
      // The batch span processor exports every 5 s (OTEL_BSP_SCHEDULE_DELAY): wait for the last batch.
      await sleep(6_000);
      const stats = await shop.sink.stats();
      console.log(
        `span sink:  ${stats.spans} spans in ${stats.requests} exports (${(stats.bytes / 1e6).toFixed(1)} MB), set-up included`,
      );
    }
  } finally {
    await shop.closeWatcher();
    await shop.stop();
  }
}

await main();
process.exit(0);
