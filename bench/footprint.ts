// npm run bench:footprint — how fast `npm start` brings the whole system up and how much memory each
// service holds. It runs `npm start` itself (scripts/start.ts of the checkout, with its compiled code,
// instrumentation and log level: nothing here chooses how a service runs) in a database, a RabbitMQ
// vhost and on ports of its own, and prints:
//   - system ready: from `npm start` to every service's /readyz answering 200 and the gateway
//     answering (GET /products through it); then the time until start printed "Mercato is running"
//     (the demo seed included);
//   - per service: from its spawn (start's "started (pid N)" line) to its first /readyz 200, and the
//     CPU time it used until then (what its start costs the machine's cores);
//   - RSS of every service process at idle (after FOOTPRINT_IDLE_S of quiet) and after
//     FOOTPRINT_ORDERS orders (default 200) placed and confirmed through the gateway;
//   - one service alone (START_SERVICES=catalog, nothing else competing for the cores): its start time
//     and idle RSS.
// Options: --root DIR runs DIR's scripts/start.ts (another checkout, for a before/after in one sitting);
// FOOTPRINT_ORDERS, FOOTPRINT_CONCURRENCY (10), FOOTPRINT_IDLE_S (10), FOOTPRINT_ALONE (catalog),
// FOOTPRINT_BROKER=private (a RabbitMQ node of the run's own instead of a vhost on the shared one),
// FOOTPRINT_SKIP=web (services left out).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startPrivateRabbitMQ, uniqueName } from '@mercato/testing';
import pg from 'pg';
import { type Customer, loginAs, newCustomer, stockedProduct } from '../test/support/client.ts';
import { BASE_PORTS, freePorts } from './lib/npm-start.ts';

const { values } = parseArgs({ options: { root: { type: 'string' } } });
const ROOT = path.resolve(values.root ?? path.join(import.meta.dirname, '..'));
const ORDERS = Number(process.env.FOOTPRINT_ORDERS ?? 200);
const CONCURRENCY = Number(process.env.FOOTPRINT_CONCURRENCY ?? 10);
const IDLE_S = Number(process.env.FOOTPRINT_IDLE_S ?? 10);
const ALONE = process.env.FOOTPRINT_ALONE ?? 'catalog';
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN_EMAIL = 'admin@footprint.test';
const ADMIN_PASSWORD = 'Footprint-Admin-Password-1!';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** CPU time (user + system) a process has used so far, in ms (/proc/<pid>/stat, 100 ticks a second). */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function rssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

interface StartRun {
  child: ChildProcess;
  t0: number;
  output: string[];
  pids: Map<string, number>;
  spawnedAt: Map<string, number>;
  readyAt: Map<string, number>;
  /** CPU ms each service had used when its /readyz first answered: the cost of its start. */
  cpuAtReady: Map<string, number | undefined>;
  runningAt?: number;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Runs `npm start` (as package.json's start script: node --import tsx scripts/start.ts) of ROOT. */
function runStart(env: Record<string, string>): StartRun {
  const script = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
  const words = script.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm start is not a node command: ${script}`);
  const t0 = performance.now();
  const child = spawn(process.execPath, words.slice(1), {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: StartRun = {
    child,
    t0,
    output: [],
    pids: new Map(),
    spawnedAt: new Map(),
    readyAt: new Map(),
    cpuAtReady: new Map(),
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await Promise.race([run.exited, sleep(40_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        child.kill('SIGKILL');
        for (const pid of run.pids.values()) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {}
        }
      }
    },
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      run.output.push(line);
      if (run.output.length > 400) run.output.shift();
      const started = /^\[start\] (\S+) started \(pid (\d+)\)/.exec(line);
      if (started) {
        run.pids.set(started[1]!, Number(started[2]));
        run.spawnedAt.set(started[1]!, performance.now());
      }
      if (/^\[start\] Mercato is running/.test(line)) run.runningAt ??= performance.now();
    });
  }
  return run;
}

/** Polls every service's /readyz (and the gateway) until all answer; records each one's first 200. */
async function waitAllReady(
  run: StartRun,
  ports: Record<string, number>,
  timeoutMs = 180_000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const pending = new Map(Object.entries(ports));
  while (pending.size > 0) {
    if (run.child.exitCode !== null)
      throw new Error(`npm start exited:\n${run.output.slice(-40).join('\n')}`);
    if (performance.now() > deadline)
      throw new Error(`not ready after ${timeoutMs / 1000} s: ${[...pending.keys()]}`);
    await Promise.all(
      [...pending].map(async ([name, port]) => {
        const probe = name === 'gateway' ? '/products?pageSize=1' : '/readyz';
        if (await answers(`http://127.0.0.1:${port}${probe}`)) {
          run.readyAt.set(name, performance.now());
          run.cpuAtReady.set(name, cpuMs(run.pids.get(name)));
          pending.delete(name);
        }
      }),
    );
    if (pending.size > 0) await sleep(50);
  }
  return Math.max(...run.readyAt.values()) - run.t0;
}

function rssOf(run: StartRun): Map<string, number | undefined> {
  return new Map([...run.pids].map(([name, pid]) => [name, rssMb(pid)]));
}

async function placeOrders(gatewayUrl: string): Promise<{ confirmed: number; seconds: number }> {
  const admin = await loginAs(gatewayUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
  const { productId } = await stockedProduct(admin, { onHand: ORDERS * 10, price: '12.50' });
  const customers: Customer[] = [];
  for (let i = 0; i < CONCURRENCY; i++) customers.push(await newCustomer(gatewayUrl));
  // orders learns the product's price from catalog's event: retry the first order until it does.
  const deadline = performance.now() + 60_000;
  const body = (c: Customer) => ({
    lines: [{ productId, quantity: 1 }],
    shippingAddressId: c.addressId,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  });
  const ids: string[] = [];
  for (;;) {
    const r = await customers[0]!.client.post('/orders', body(customers[0]!));
    if (r.status === 201) {
      ids.push(r.body.id);
      break;
    }
    if (performance.now() > deadline) throw new Error(`first order: ${r.status} ${JSON.stringify(r.body)}`);
    await sleep(200);
  }
  const started = performance.now();
  let next = 1;
  await Promise.all(
    customers.map(async (customer) => {
      while (next < ORDERS) {
        next++;
        const r = await customer.client.post('/orders', body(customer));
        if (r.status !== 201) throw new Error(`POST /orders: ${r.status} ${JSON.stringify(r.body)}`);
        ids.push(r.body.id);
      }
    }),
  );
  // Every order settles (CONFIRMED, or beyond it: shipping may already have moved it on). The
  // database is this run's own: every order in it is one of ours.
  const count = async (status: string) =>
    Number((await admin.get(`/orders?pageSize=1&status=${status}`)).body?.total ?? Number.NaN);
  const waitUntil = performance.now() + 120_000;
  while ((await count('PENDING')) !== 0 && performance.now() < waitUntil) await sleep(500);
  const confirmed = ids.length - (await count('PENDING')) - (await count('CANCELLED'));
  return { confirmed, seconds: (performance.now() - started) / 1000 };
}

async function withDatabase<T>(fn: (databaseUrl: string) => Promise<T>): Promise<T> {
  const name = uniqueName('footprint');
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  try {
    const url = new URL(SERVER_URL);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists "${name}" with (force)`).catch(() => {});
    await admin.end();
  }
}

async function withVhost<T>(fn: (amqpUrl: string) => Promise<T>): Promise<T> {
  if (process.env.FOOTPRINT_BROKER === 'private') {
    // A RabbitMQ node of this run's own (when the shared one is busy or unwell).
    const broker = await startPrivateRabbitMQ();
    try {
      return await fn(broker.url);
    } finally {
      await broker.stop();
    }
  }
  const vhost = uniqueName('footprint');
  execFileSync('rabbitmqctl', ['-q', 'add_vhost', vhost]);
  try {
    execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
    return await fn(`amqp://guest:guest@127.0.0.1:5672/${vhost}`);
  } finally {
    try {
      execFileSync('rabbitmqctl', ['-q', 'delete_vhost', vhost]);
    } catch {}
  }
}

// FOOTPRINT_SKIP=web,recommendations: start every service but those (START_SERVICES).
const SKIP = (process.env.FOOTPRINT_SKIP ?? '').split(',').filter(Boolean);

function baseEnv(
  databaseUrl: string,
  amqpUrl: string,
  offset: number,
  gateway: number,
): Record<string, string> {
  return {
    ...(SKIP.length > 0
      ? { START_SERVICES: [...Object.keys(BASE_PORTS), 'gateway'].filter((s) => !SKIP.includes(s)).join(',') }
      : {}),
    DATABASE_URL: databaseUrl,
    AMQP_URL: amqpUrl,
    START_PORT_OFFSET: String(offset),
    GATEWAY_PORT: String(gateway),
    MERCATO_ADMIN_EMAIL: ADMIN_EMAIL,
    MERCATO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // One client places every order: the gateway's per-IP limit is not what is measured here.
    RATE_LIMIT_IP_MAX: '1000000',
    RATE_LIMIT_USER_MAX: '1000000',
  };
}

const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`);
};

async function wholeSystem(): Promise<void> {
  await withDatabase((databaseUrl) =>
    withVhost(async (amqpUrl) => {
      const { offset, gateway } = await freePorts();
      const run = runStart(baseEnv(databaseUrl, amqpUrl, offset, gateway));
      try {
        // Services without a folder are skipped by start; each present one prints "started".
        await sleep(50);
        const ports: Record<string, number> = { gateway };
        const deadline = performance.now() + 180_000;
        // Which services start runs is known once it printed "Starting …".
        while (!run.output.some((l) => /^\[start\] .*Starting /.test(l))) {
          if (run.child.exitCode !== null || performance.now() > deadline)
            throw new Error(`npm start did not start:\n${run.output.join('\n')}`);
          await sleep(20);
        }
        const startingLine = run.output.find((l) => /Starting /.test(l))!;
        for (const [name, base] of Object.entries(BASE_PORTS)) {
          if (new RegExp(`[ ,]${name}[,. ]`).test(startingLine)) ports[name] = base + offset;
        }
        const readyMs = await waitAllReady(run, ports);
        while (run.runningAt === undefined) {
          if (run.child.exitCode !== null || performance.now() > deadline)
            throw new Error(`npm start did not finish:\n${run.output.slice(-40).join('\n')}`);
          await sleep(50);
        }
        console.log(`root: ${ROOT}`);
        console.log(`system ready (every /readyz and the gateway): ${seconds(readyMs)}`);
        console.log(`"Mercato is running" (demo catalog seeded): ${seconds(run.runningAt - run.t0)}`);
        await sleep(IDLE_S * 1000);
        const idle = rssOf(run);
        // A failed load (a shared PostgreSQL out of connections, say) still leaves the start and idle
        // figures worth printing: the table shows '-' after load, and the run exits 1 at the end.
        const load = await placeOrders(`http://127.0.0.1:${gateway}`).catch((err: Error) => {
          const said = run.output.filter((l) => /"level":"(warn|error|fatal)"/.test(l));
          console.log(
            `load FAILED: ${err.message}\nthe services' last warnings:\n${said.slice(-5).join('\n')}`,
          );
          process.exitCode = 1;
          return undefined;
        });
        if (load)
          console.log(
            `load: ${ORDERS} orders through the gateway at concurrency ${CONCURRENCY}: ${load.confirmed} settled in ${load.seconds.toFixed(1)} s`,
          );
        await sleep(2000);
        const loaded = load ? rssOf(run) : new Map<string, number | undefined>();
        const rows = [['service', 'spawn → ready', 'CPU to ready', 'RSS idle', 'RSS after load']];
        let idleSum = 0;
        let loadSum = 0;
        let cpuSum = 0;
        for (const [name, pid] of [...run.pids].sort((a, b) => a[0].localeCompare(b[0]))) {
          const spawned = run.spawnedAt.get(name);
          const ready = run.readyAt.get(name);
          const i = idle.get(name);
          const l = loaded.get(name);
          const cpu = run.cpuAtReady.get(name);
          idleSum += i ?? 0;
          loadSum += l ?? 0;
          cpuSum += cpu ?? 0;
          rows.push([
            `${name} (${pid})`,
            spawned !== undefined && ready !== undefined ? seconds(ready - spawned) : '-',
            cpu === undefined ? '-' : `${cpu} ms`,
            i === undefined ? '-' : `${i.toFixed(0)} MB`,
            l === undefined ? '-' : `${l.toFixed(0)} MB`,
          ]);
        }
        rows.push(['total', '', `${cpuSum} ms`, `${idleSum.toFixed(0)} MB`, `${loadSum.toFixed(0)} MB`]);
        table(rows);
      } finally {
        await run.stop();
      }
    }),
  );
}

async function oneService(): Promise<void> {
  await withDatabase((databaseUrl) =>
    withVhost(async (amqpUrl) => {
      const { offset, gateway } = await freePorts();
      const run = runStart({ ...baseEnv(databaseUrl, amqpUrl, offset, gateway), START_SERVICES: ALONE });
      try {
        const readyMs = await waitAllReady(run, { [ALONE]: BASE_PORTS[ALONE]! + offset });
        const spawned = run.spawnedAt.get(ALONE);
        const ready = run.readyAt.get(ALONE)!;
        const cpu = run.cpuAtReady.get(ALONE);
        await sleep(IDLE_S * 1000);
        const pid = run.pids.get(ALONE);
        const rss = pid === undefined ? undefined : rssMb(pid);
        console.log(
          `${ALONE} alone: npm start → ready ${seconds(readyMs)}, spawn → ready ${spawned === undefined ? '-' : seconds(ready - spawned)}, CPU to ready ${cpu ?? '-'} ms, RSS idle ${rss?.toFixed(0) ?? '-'} MB`,
        );
      } finally {
        await run.stop();
      }
    }),
  );
}

await wholeSystem();
await oneService();
