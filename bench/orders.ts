// npm run bench:orders — places N orders through the gateway at concurrency C on a seeded catalog and
// prints: orders placed per second, p50/p99 of POST /orders, orders confirmed per second, p50/p99 of
// the time from placement to CONFIRMED; then pgbench on the same PostgreSQL and the ratio of
// confirmed orders/s to pgbench TPS. Every service runs as its own process, as in production.
// Also the database work per order during the run: transactions, rows written and read, WAL
// (pg_stat_database / pg_stat_wal of the benchmark's database; autovacuum as the server has it).
//   BENCH_ORDERS (default 2000)  BENCH_CONCURRENCY (default 50)  BENCH_PRODUCTS (default 20)
//   BENCH_CUSTOMERS (default 50)  PGBENCH_SECONDS (default 10)
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { TEST_AMQP_URL, TEST_DATABASE_URL } from '@mercato/testing';
import amqp from 'amqplib';
import pg from 'pg';
import { adminClient, type Customer, newCustomer, stockedProduct } from '../test/support/client.ts';
import { startSystem } from '../test/support/system.ts';

const N = Number(process.env.BENCH_ORDERS ?? 2000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 50);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 20);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50);
const PGBENCH_SECONDS = Number(process.env.PGBENCH_SECONDS ?? 10);

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : Number.NaN;
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main() {
  console.log(`bench:orders — ${N} orders at concurrency ${C}, ${PRODUCTS} products, ${CUSTOMERS} customers`);
  const system = await startSystem({ childProcesses: 'all', logLevel: 'warn' });
  try {
    const admin = await adminClient(system.gatewayUrl);
    const products: string[] = [];
    for (let i = 0; i < PRODUCTS; i++) {
      products.push((await stockedProduct(admin, { onHand: N * 10, price: `${10 + i}.50` })).productId);
    }
    const customers: Customer[] = [];
    for (let i = 0; i < CUSTOMERS; i++) customers.push(await newCustomer(system.gatewayUrl));

    // Watch confirmations on the bus, as a downstream service would.
    const conn = await amqp.connect(TEST_AMQP_URL);
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, system.exchange, 'order.confirmed');
    await ch.bindQueue(queue, system.exchange, 'order.cancelled');
    const confirmedAt = new Map<string, number>();
    const cancelled = new Set<string>();
    await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        const event = JSON.parse(msg.content.toString());
        if (event.type === 'order.confirmed') confirmedAt.set(event.data.orderId, performance.now());
        else cancelled.add(event.data.orderId);
      },
      { noAck: true },
    );

    // Wait until the orders service has learned every product's price.
    const probe = customers[0];
    for (const productId of products) {
      for (;;) {
        const r = await probe.client.post('/orders', {
          lines: [{ productId, quantity: 1 }],
          shippingAddressId: probe.addressId,
          paymentMethod: { type: 'card', token: 'tok_visa' },
        });
        if (r.status === 201) break;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    confirmedAt.clear();

    const dbBefore = await databaseWork();
    const tablesBefore = await tableWork();
    const cpuBefore = cpuSeconds(system.services);
    const infraBefore = infraCpuSeconds();
    const benchBefore = process.cpuUsage();
    const placedAt = new Map<string, number>();
    const latencies: number[] = [];
    let failures = 0;
    /** The answers that were not 201, by status (a 503 is identity or orders not answering in time). */
    const failedBy = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: C }, async () => {
        for (;;) {
          const i = next++;
          if (i >= N) return;
          const customer = customers[i % customers.length];
          const t0 = performance.now();
          const r = await customer.client.post('/orders', {
            lines: [{ productId: products[i % products.length], quantity: 1 }],
            shippingAddressId: customer.addressId,
            paymentMethod: { type: 'card', token: 'tok_visa' },
          });
          const t1 = performance.now();
          latencies.push(t1 - t0);
          if (r.status === 201) placedAt.set(r.body.id, t0);
          else {
            failures++;
            failedBy.set(r.status, (failedBy.get(r.status) ?? 0) + 1);
          }
        }
      }),
    );
    const placedSeconds = (performance.now() - started) / 1000;

    const deadline = performance.now() + 120_000;
    while (performance.now() < deadline) {
      const done = [...placedAt.keys()].filter((id) => confirmedAt.has(id) || cancelled.has(id)).length;
      if (done === placedAt.size) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const cpuAfter = cpuSeconds(system.services);
    const infraAfter = infraCpuSeconds();
    const bench = process.cpuUsage(benchBefore);
    // Invoices are issued just after confirmation, and backends report their counters about once a
    // second: let both settle before reading them.
    await new Promise((r) => setTimeout(r, 2000));
    const dbAfter = await databaseWork();
    const tablesAfter = await tableWork();
    const confirmTimes: number[] = [];
    let lastConfirm = started;
    for (const [id, t0] of placedAt) {
      const t1 = confirmedAt.get(id);
      if (t1 === undefined) continue;
      confirmTimes.push(t1 - t0);
      lastConfirm = Math.max(lastConfirm, t1);
    }
    const confirmedPerSecond = confirmTimes.length / ((lastConfirm - started) / 1000);
    latencies.sort((a, b) => a - b);
    confirmTimes.sort((a, b) => a - b);
    await conn.close();

    const why = [...failedBy].map(([status, n]) => `${status}×${n}`).join(', ');
    console.log(
      `placed:     ${placedAt.size}/${N} (${failures} failed${why ? `: ${why}` : ''}) in ${placedSeconds.toFixed(1)} s`,
    );
    console.log(`placement:  ${(placedAt.size / placedSeconds).toFixed(1)} orders/s`);
    console.log(
      `POST /orders latency: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`,
    );
    console.log(
      `confirmed:  ${confirmTimes.length}/${placedAt.size} (cancelled ${cancelled.size}), ${confirmedPerSecond.toFixed(1)} orders/s`,
    );
    console.log(
      `placement → CONFIRMED: p50 ${ms(percentile(confirmTimes, 50))}, p99 ${ms(percentile(confirmTimes, 99))}`,
    );

    const cpu = [...cpuAfter].map(
      ([name, secs]) => `${name} ${(secs - (cpuBefore.get(name) ?? 0)).toFixed(1)}`,
    );
    console.log(`CPU seconds per service during the run: ${cpu.join(', ')}`);
    const infra = [...infraAfter].map(
      ([name, secs]) => `${name} ${(secs - (infraBefore.get(name) ?? 0)).toFixed(1)}`,
    );
    // Backends that exit during the run take their CPU time with them: PostgreSQL's is a lower bound.
    console.log(
      `CPU seconds of the rest: ${infra.join(', ')}, this load generator ${((bench.user + bench.system) / 1e6).toFixed(1)}`,
    );

    const perOrder = (k: Exclude<keyof DatabaseWork, 'autovacuum'>) =>
      ((dbAfter[k] - dbBefore[k]) / placedAt.size).toFixed(1);
    console.log(
      `database work per order: ${perOrder('xacts')} transactions, ${perOrder('written')} rows written, ` +
        `${perOrder('read')} rows read, ${perOrder('walRecords')} WAL records, ${perOrder('walBytes')} WAL bytes ` +
        `(autovacuum ${dbAfter.autovacuum})`,
    );
    // Which tables that work lands on: the first place to look when a change costs throughput.
    const byTable = [...tablesAfter]
      .map(([table, after]) => {
        const before = tablesBefore.get(table) ?? { written: 0, read: 0, statements: 0 };
        const per = (k: 'written' | 'read' | 'statements') => (after[k] - before[k]) / placedAt.size;
        return { table, written: per('written'), read: per('read'), scans: per('statements') };
      })
      .filter((t) => t.written >= 0.05 || t.scans >= 0.05)
      .sort((a, b) => b.written - a.written || b.scans - a.scans);
    console.log('per order, by table (rows written / scans / rows read):');
    for (const t of byTable) {
      console.log(
        `  ${t.table.padEnd(28)} ${t.written.toFixed(2).padStart(6)} ${t.scans.toFixed(2).padStart(6)} ${t.read.toFixed(1).padStart(8)}`,
      );
    }

    const tps = pgbench();
    if (tps) {
      console.log(`pgbench:    ${tps.toFixed(0)} tps (TPC-B, 8 clients, ${PGBENCH_SECONDS} s)`);
      console.log(
        `ratio:      ${(confirmedPerSecond / tps).toFixed(3)} confirmed orders per pgbench transaction`,
      );
    }
  } finally {
    await system.stop();
  }
}

/** Rows written (inserted + updated + deleted) and read so far per table name, summed over schemas. */
async function tableWork(): Promise<Map<string, { written: number; read: number; statements: number }>> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select relname, sum(n_tup_ins + n_tup_upd + n_tup_del) as written,
              sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)) as read,
              sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)) as scans
         from pg_stat_user_tables where relname not like 'pgbench%' group by relname`,
    );
    return new Map(
      rows.map((r) => [
        r.relname,
        { written: Number(r.written), read: Number(r.read), statements: Number(r.scans) },
      ]),
    );
  } finally {
    await client.end();
  }
}

interface DatabaseWork {
  xacts: number;
  written: number;
  read: number;
  walRecords: number;
  walBytes: number;
  autovacuum: string;
}

/** The server's counters for the benchmark's database so far (every schema: all services and the outboxes). */
async function databaseWork(): Promise<DatabaseWork> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select d.xact_commit + d.xact_rollback as xacts, d.tup_inserted + d.tup_updated + d.tup_deleted as written,
              d.tup_returned + d.tup_fetched as read, w.wal_records, w.wal_bytes, current_setting('autovacuum') as autovacuum
         from pg_stat_database d, pg_stat_wal w where d.datname = current_database()`,
    );
    const r = rows[0];
    return {
      xacts: Number(r.xacts),
      written: Number(r.written),
      read: Number(r.read),
      walRecords: Number(r.wal_records),
      walBytes: Number(r.wal_bytes),
      autovacuum: r.autovacuum,
    };
  } finally {
    await client.end();
  }
}

/** User + system CPU seconds each service process has used so far (Linux /proc). */
function cpuSeconds(services: { name: string; pid?: number }[]): Map<string, number> {
  const ticks = 100; // USER_HZ on Linux
  const result = new Map<string, number>();
  for (const s of services) {
    if (!s.pid) continue;
    try {
      const fields = readFileSync(`/proc/${s.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const secs = (Number(fields[11]) + Number(fields[12])) / ticks;
      result.set(s.name, (result.get(s.name) ?? 0) + secs);
    } catch {}
  }
  return result;
}

/** CPU seconds used so far by PostgreSQL (every backend), RabbitMQ and Redis on this machine. */
function infraCpuSeconds(): Map<string, number> {
  const names: Record<string, string> = {
    postgres: 'postgres',
    'beam.smp': 'rabbitmq',
    'redis-server': 'redis',
  };
  const result = new Map<string, number>(Object.values(names).map((n) => [n, 0]));
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = names[stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))];
      if (!name) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(name, result.get(name)! + (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {}
  }
  return result;
}

/** TPC-B-like pgbench on a scratch database of the same server. */
function pgbench(): number | undefined {
  const url = new URL(TEST_DATABASE_URL);
  const base = ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres'];
  const db = 'mercato_pgbench';
  try {
    execFileSync('psql', [...base, '-d', 'postgres', '-qc', `drop database if exists ${db}`], {
      stdio: 'ignore',
    });
    execFileSync('psql', [...base, '-d', 'postgres', '-qc', `create database ${db}`], { stdio: 'ignore' });
    execFileSync('pgbench', [...base, '-i', '-s', '10', '-q', db], { stdio: 'ignore' });
    const out = execFileSync('pgbench', [...base, '-c', '8', '-j', '2', '-T', String(PGBENCH_SECONDS), db], {
      encoding: 'utf8',
    });
    const match = /tps = ([\d.]+)/.exec(out);
    return match ? Number(match[1]) : undefined;
  } catch (err) {
    console.log(`pgbench:    not run (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  } finally {
    try {
      execFileSync('psql', [...base, '-d', 'postgres', '-qc', `drop database if exists ${db}`], {
        stdio: 'ignore',
      });
    } catch {}
  }
}

await main();
process.exit(0);
