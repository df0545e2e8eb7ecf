// What an idle system costs: starts every service as its own process (as `npm start` does: request
// logs at info, the OpenTelemetry instrumentation loaded), waits until all are ready and 10 s more,
// then for 30 s sends nothing and measures
//   - CPU % of one core of every service process (/proc/<pid>/stat utime + stime),
//   - CPU of the PostgreSQL backends serving each service, of every PostgreSQL process, of RabbitMQ
//     (beam.smp) and of Redis,
//   - PostgreSQL transactions/s (pg_stat_database xact_commit + xact_rollback) per service and in total.
// Each service gets a database of its own (bench_idle_<service>, dropped afterwards) instead of a schema
// in the shared one, so pg_stat_database counts every transaction a service sends, whichever of its
// connections sends it (ORM pool, relay, listener), and pg_stat_activity.datname tells its backends
// apart. The machine is shared: the "every PostgreSQL process", RabbitMQ and Redis lines include
// whatever else runs meanwhile; the per-service lines do not.
//
//   npm run bench:idle     (IDLE_WARMUP_S=10 IDLE_WINDOW_S=30; IDLE_SHIPPED=0 runs the TypeScript sources
//                           through tsx with the instrumentation added by NODE_OPTIONS instead of
//                           startSystem's `shipped` mode; with it, IDLE_TRACING=0 leaves tracing out)
//   npm run bench:idle -- --root DIR   (or BENCH_ROOT=DIR) another checkout's own `npm start` instead
//                           (every service as that start runs them, all in one database of the run's
//                           own, on ports and a RabbitMQ vhost of its own: no npm start lock): CPU % of
//                           every process under start, PostgreSQL backends' CPU and transactions/s of
//                           that database in total (one database: not per service). Before/after in one
//                           sitting: --root /tmp/before, then --root . (main).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startSmtpSink, TEST_DATABASE_URL } from '@mercato/testing';
import pg from 'pg';
import { type ServiceName, startSystem } from '../test/support/system.ts';
import { startCheckout } from './lib/npm-start.ts';

const WARMUP_S = Number(process.env.IDLE_WARMUP_S ?? 10);
const WINDOW_S = Number(process.env.IDLE_WINDOW_S ?? 30);
const SHIPPED = process.env.IDLE_SHIPPED !== '0';
const TRACING = SHIPPED || process.env.IDLE_TRACING !== '0';
const rootArg = parseArgs({ options: { root: { type: 'string' } } }).values.root ?? process.env.BENCH_ROOT;
const TICK_HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const WITH_DATABASE: ServiceName[] = [
  'identity',
  'catalog',
  'inventory',
  'cart',
  'orders',
  'payments',
  'invoices',
  'notifications',
  'shipping',
];
const dbName = (s: ServiceName) => `bench_idle_${s.replace(/-/g, '_')}`;
const urlOf = (db: string) => {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${db}`;
  return u.toString();
};

/** utime + stime of a process in seconds, or undefined once it has gone. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK_HZ; // fields 14 and 15 of stat(5)
  } catch {
    return undefined;
  }
}
function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
function pidsOf(comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) out.push(Number(d));
    } catch {}
  }
  return out;
}

/**
 * Follows a changing set of processes through the window: a process seen at the start counts from
 * its value then, one that appears later from zero (its whole life is inside the window), one that
 * ends keeps its last reading. Sampled every second, so a process younger and shorter than that is missed.
 */
class CpuTracker {
  readonly #start = new Map<number, number>();
  readonly #last = new Map<number, number>();
  #started = false;
  seen = 0;
  observe(pids: Iterable<number>) {
    for (const pid of pids) {
      const now = cpuSeconds(pid);
      if (now === undefined) continue;
      if (!this.#start.has(pid)) {
        this.#start.set(pid, this.#started ? 0 : now);
        this.seen++;
      }
      this.#last.set(pid, now);
    }
  }
  begin() {
    this.#started = true;
  }
  seconds(): number {
    let total = 0;
    for (const [pid, start] of this.#start) total += (this.#last.get(pid) ?? start) - start;
    return total;
  }
}

/** --root: the checkout's `npm start` idle; every process under start, its database's backends. */
async function idleOfCheckout(root: string): Promise<void> {
  const t0 = Date.now();
  const run = await startCheckout(root, { label: 'idle' });
  // Connected to another database of the server, so this bench's own queries are not counted.
  const database = new URL(run.databaseUrl).pathname.slice(1);
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: 'bench-idle' });
  try {
    await db.connect();
    console.log(
      `npm start of ${root} running (demo catalog seeded) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const serviceCpu = new Map<string, CpuTracker>();
    const backendCpu = new CpuTracker();
    const postgresAll = new CpuTracker();
    const rabbit = new CpuTracker();
    const redis = new CpuTracker();
    const connections = new Set<number>();
    const sample = async () => {
      const byName = new Map<string, number[]>();
      for (const p of run.processes()) byName.set(p.name, [...(byName.get(p.name) ?? []), p.pid]);
      for (const [name, pids] of byName) {
        if (!serviceCpu.has(name)) serviceCpu.set(name, new CpuTracker());
        serviceCpu.get(name)!.observe(pids);
      }
      const { rows } = await db.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = $1',
        [database],
      );
      for (const r of rows) connections.add(r.pid);
      backendCpu.observe(rows.map((r) => r.pid));
      postgresAll.observe(pidsOf('postgres'));
      rabbit.observe(pidsOf('beam.smp'));
      redis.observe(pidsOf('redis-server'));
    };
    const xacts = async () => {
      const { rows } = await db.query<{ n: string }>(
        'select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = $1',
        [database],
      );
      return Number(rows[0]!.n);
    };
    await sample();
    const x0 = await xacts();
    const started = performance.now();
    for (const tr of [...serviceCpu.values(), backendCpu, postgresAll, rabbit, redis]) tr.begin();
    while (performance.now() - started < WINDOW_S * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      await sample();
    }
    const seconds = (performance.now() - started) / 1000;
    const x = (await xacts()) - x0;
    const pct = (cpu: number) => `${((cpu / seconds) * 100).toFixed(2)} %`;
    console.log(`\nidle for ${seconds.toFixed(1)} s after running + ${WARMUP_S} s; CPU as % of one core\n`);
    console.log('| process | CPU | RSS MB |');
    console.log('|---|---|---|');
    let total = 0;
    for (const [name, tracker] of serviceCpu) {
      total += tracker.seconds();
      const pid = run.processes().find((p) => p.name === name)?.pid;
      console.log(`| ${name} | ${pct(tracker.seconds())} | ${(pid && rssMb(pid)?.toFixed(0)) ?? '?'} |`);
    }
    console.log(`| **all processes** | ${pct(total)} | |`);
    console.log(
      `\nits PostgreSQL backends (${connections.size} connections seen): ${pct(backendCpu.seconds())}; ` +
        `every PostgreSQL process (incl. others' work on this machine): ${pct(postgresAll.seconds())}`,
    );
    console.log(`RabbitMQ (beam.smp): ${pct(rabbit.seconds())}; Redis: ${pct(redis.seconds())}`);
    console.log(
      `processes + their PG backends: ${pct(total + backendCpu.seconds())}; ` +
        `PostgreSQL transactions ${x} in ${seconds.toFixed(1)} s = ${(x / seconds).toFixed(2)}/s`,
    );
  } finally {
    await db.end().catch(() => {});
    await run.stop();
  }
}

if (rootArg) {
  await idleOfCheckout(path.resolve(rootArg));
  process.exit(0);
}

const admin = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: 'bench-idle' });
await admin.connect();
const created: string[] = [];
const smtp = await startSmtpSink();
let system: Awaited<ReturnType<typeof startSystem>> | undefined;
try {
  for (const s of WITH_DATABASE) {
    await admin.query(`drop database if exists ${dbName(s)} with (force)`);
    await admin.query(`create database ${dbName(s)}`);
    created.push(dbName(s));
  }
  const env: Partial<Record<ServiceName, Record<string, string>>> = {};
  const everyService: ServiceName[] = [...WITH_DATABASE, 'gateway', 'fake-payment-provider', 'fake-carrier'];
  for (const s of everyService) {
    env[s] = {
      ...(WITH_DATABASE.includes(s) ? { DATABASE_URL: urlOf(dbName(s)) } : {}),
      // The services' start scripts: node --import tsx --import @mercato/kit/instrument src/server.ts
      ...(TRACING && !SHIPPED ? { NODE_OPTIONS: '--import @mercato/kit/instrument' } : {}),
    };
  }
  const t0 = Date.now();
  system = await startSystem({
    childProcesses: 'all',
    // As `npm start` runs them: bundles, the start command with the instrumentation, `info` logs.
    shipped: SHIPPED,
    logLevel: 'info',
    smtpPort: smtp.port,
    shipping: true,
    env,
  });
  console.log(
    `system ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${SHIPPED ? 'as shipped' : 'tsx'}, tracing ${TRACING ? 'on' : 'off'})`,
  );
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));

  const processes = system.services.filter((s) => s.pid !== undefined);
  const serviceCpu = new Map(processes.map((s) => [s.name, new CpuTracker()]));
  const backendCpu = new Map(WITH_DATABASE.map((s) => [s, new CpuTracker()]));
  const postgresAll = new CpuTracker();
  const rabbit = new CpuTracker();
  const redis = new CpuTracker();
  const backends = async () => {
    const { rows } = await admin.query<{ pid: number; datname: string }>(
      `select pid, datname from pg_stat_activity where datname like 'bench_idle_%'`,
    );
    return rows;
  };
  const xacts = async () => {
    const { rows } = await admin.query<{ datname: string; n: string }>(
      `select datname, (xact_commit + xact_rollback)::text as n from pg_stat_database where datname like 'bench_idle_%'`,
    );
    return new Map(rows.map((r) => [r.datname, Number(r.n)]));
  };
  const connectionsSeen = new Map<string, Set<number>>();
  const sample = async () => {
    for (const s of processes) serviceCpu.get(s.name)!.observe([s.pid!]);
    for (const b of await backends()) {
      const service = WITH_DATABASE.find((s) => dbName(s) === b.datname)!;
      backendCpu.get(service)!.observe([b.pid]);
      if (!connectionsSeen.has(service)) connectionsSeen.set(service, new Set());
      connectionsSeen.get(service)!.add(b.pid);
    }
    postgresAll.observe(pidsOf('postgres')); // the postmaster, its helpers, every backend
    rabbit.observe(pidsOf('beam.smp'));
    redis.observe(pidsOf('redis-server'));
  };

  await sample();
  const x0 = await xacts();
  const started = performance.now();
  for (const tr of [...serviceCpu.values(), ...backendCpu.values(), postgresAll, rabbit, redis]) tr.begin();
  while (performance.now() - started < WINDOW_S * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    await sample();
  }
  const seconds = (performance.now() - started) / 1000;
  const x1 = await xacts();
  await sample();

  const pct = (cpu: number) => `${((cpu / seconds) * 100).toFixed(2)} %`;
  console.log(`\nidle for ${seconds.toFixed(1)} s after ready + ${WARMUP_S} s; CPU as % of one core\n`);
  console.log('| process | CPU | RSS MB | its PG backends CPU | PG xact/s | PG connections |');
  console.log('|---|---|---|---|---|---|');
  let totalX = 0;
  let totalServices = 0;
  let totalBackends = 0;
  for (const s of processes) {
    const cpu = serviceCpu.get(s.name)!.seconds();
    totalServices += cpu;
    const hasDb = WITH_DATABASE.includes(s.name);
    const b = hasDb ? backendCpu.get(s.name)!.seconds() : 0;
    totalBackends += b;
    const x = hasDb ? (x1.get(dbName(s.name)) ?? 0) - (x0.get(dbName(s.name)) ?? 0) : 0;
    totalX += x;
    console.log(
      `| ${s.name} | ${pct(cpu)} | ${rssMb(s.pid!)?.toFixed(0) ?? '?'} | ${hasDb ? pct(b) : '–'} | ${
        hasDb ? (x / seconds).toFixed(2) : '–'
      } | ${hasDb ? (connectionsSeen.get(s.name)?.size ?? 0) : '–'} |`,
    );
  }
  console.log(
    `| **all services** | ${pct(totalServices)} | | ${pct(totalBackends)} | ${(totalX / seconds).toFixed(2)} | |`,
  );
  console.log(
    `\nevery PostgreSQL process (incl. others' work on this machine): ${pct(postgresAll.seconds())}`,
  );
  console.log(`RabbitMQ (beam.smp): ${pct(rabbit.seconds())}; Redis: ${pct(redis.seconds())}`);
  console.log(
    `services + their PG backends: ${pct(totalServices + totalBackends)}; ` +
      `PostgreSQL transactions ${totalX} in ${seconds.toFixed(1)} s = ${(totalX / seconds).toFixed(2)}/s`,
  );
} finally {
  await system?.stop();
  await smtp.close();
  for (const db of created) await admin.query(`drop database if exists ${db} with (force)`).catch(() => {});
  await admin.end();
}
