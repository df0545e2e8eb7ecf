// `npm run bench:gateway`: what the gateway costs, as shipped. Starts identity, catalog and the gateway
// as child processes exactly as `npm start` and the images run them (scripts/build/launch.ts: the
// compiled bundles, the OpenTelemetry instrumentation, request logs at `info`; stdout discarded unless
// BENCH_LOG_DIR), on free ports, with a fresh schema per service, one exchange and a Redis prefix of
// this run's own, against the local PostgreSQL, RabbitMQ and Redis. It registers and logs in a user,
// creates BENCH_PRODUCTS (20) products, then loads with autocannon, BENCH_CONNECTIONS (50) connections
// for BENCH_DURATION_S (10) s after a 2 s warm-up, each endpoint directly and through the gateway:
//   auth-me   GET /auth/me with the user's token (identity; the gateway verifies the token and counts
//             the user in Redis)
//   products  GET /products, anonymous (catalog's first page; the gateway counts the client's address)
// BENCH_ROUNDS (3) rounds; within a round direct and gateway alternate which goes first, and the ratio
// reported is the median of the rounds'. Target: through the gateway ≥ 85 % of direct.
//
// BENCH_TRACING: a comma-separated list of tracing configurations, each a set of the three processes
// of its own (all started before the first load, loaded in turn within every round):
//   shipped     the instrumentation loaded, no exporter (the default sampler is then parent-based
//               always-off: ids minted and passed on, no span recorded) — what `npm start` runs
//   off         OTEL_SDK_DISABLED=true: no OpenTelemetry package loaded
//   previous    as shipped before 2026-12-03 (every instrumentation, a span per Fastify hook)
//   only-<a+b>  no exporter, only those instrumentations (only-none: the SDK without any)
//   export-<N>  OTLP/HTTP export, batch span processor, to a local sink (a child process that accepts
//               /v1/traces, counts the spans and discards them), sampler parentbased_traceidratio N %
//               (export-100: parentbased_always_on); export-<N>-hooks: with OTEL_FASTIFY_HOOK_SPANS=true
// e.g. BENCH_TRACING=off,export-10,export-100: the cost of tracing with an exporter, against off.
// BENCH_FLOOR=1: a third side, the same endpoints through bench/lib/floor-proxy.mjs (Node's own HTTP
// server and client and nothing else) in front of the same upstreams: what any proxy written in Node
// costs on this machine, the floor under the gateway's ratio.
// BENCH_ENDPOINTS (auth-me,products); CPU_PROFILE_DIR: a V8 CPU profile of every gateway process
// (CPU_PROFILE_SERVICES=gateway,identity,catalog: of those).
// --root DIR (or BENCH_ROOT=DIR): another checkout's own `npm start` (every service as that start
// runs them, on ports, a database and a RabbitMQ vhost of the run's own: no npm start lock) per
// tracing configuration, its environment passed to start; direct is identity's or catalog's port of
// that start. For a before/after in one sitting: --root /tmp/before, then --root . (main).
// The load generator runs in this process on the same cores as the servers: the figures are the
// whole machine's, shared, not the gateway's alone.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import amqp from 'amqplib';
import autocannon, { type Result } from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ensureBuilt, launchOf } from '../scripts/build/launch.ts';
import { serviceCpuSeconds } from './lib/measure.ts';
import { START_ADMIN, type StartedCheckout, startCheckout } from './lib/npm-start.ts';
import { type SpanSink, startSpanSink } from './lib/span-sink.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 20);
const ENDPOINTS = (process.env.BENCH_ENDPOINTS ?? 'auth-me,products').split(',').map((s) => s.trim());
const TRACING = (process.env.BENCH_TRACING ?? 'shipped').split(',').map((s) => s.trim());
const CPU_PROFILE_DIR = process.env.CPU_PROFILE_DIR;
const CPU_PROFILE_SERVICES = (process.env.CPU_PROFILE_SERVICES ?? 'gateway').split(',').map((s) => s.trim());
const LOG_DIR = process.env.BENCH_LOG_DIR;
const TARGET_RATIO = 0.85;
const FLOOR = process.env.BENCH_FLOOR === '1';
const FLOOR_PROXY = resolve(import.meta.dirname, 'lib/floor-proxy.mjs');
const ADMIN = { email: 'bench-admin@mercato.test', password: 'Bench-Admin-Password-1!' };

const rootArg = parseArgs({ options: { root: { type: 'string' } } }).values.root ?? process.env.BENCH_ROOT;
const ROOT = rootArg ? resolve(rootArg) : undefined;
const checkouts: StartedCheckout[] = [];
const runId = `bench_gw_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

const ENDPOINT_PATHS: Record<string, { service: 'identity' | 'catalog'; path: string; auth: boolean }> = {
  'auth-me': { service: 'identity', path: '/auth/me', auth: true },
  products: { service: 'catalog', path: '/products', auth: false },
};
for (const e of ENDPOINTS) if (!ENDPOINT_PATHS[e]) throw new Error(`BENCH_ENDPOINTS: unknown endpoint ${e}`);

/** The environment a tracing configuration gives every service of its stack. */
function tracingEnv(config: string, sinkUrl: string | undefined): Record<string, string> {
  if (config === 'shipped') return {};
  if (config === 'off') return { OTEL_SDK_DISABLED: 'true' };
  // As shipped before 2026-12-03: every instrumentation the bundle uses and a span per Fastify hook.
  if (config === 'previous')
    return {
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,fastify,pg,amqplib,ioredis',
      OTEL_FASTIFY_HOOK_SPANS: 'true',
    };
  // only-<a+b>: no exporter, only those instrumentations (only-none: the SDK and no instrumentation)
  const only = /^only-([a-z+]+)$/.exec(config)?.[1];
  if (only !== undefined) return { OTEL_NODE_ENABLED_INSTRUMENTATIONS: only.split('+').join(',') };
  // export-<N>-hooks: the same with a span per Fastify hook (OTEL_FASTIFY_HOOK_SPANS=true)
  const [, percent, hooks] = /^export-(\d+(?:\.\d+)?)(-hooks)?$/.exec(config) ?? [];
  if (percent === undefined || !sinkUrl)
    throw new Error(
      `BENCH_TRACING: unknown configuration ${config} (shipped, off, previous, only-<a+b>, export-<percent>)`,
    );
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    ...(hooks ? { OTEL_FASTIFY_HOOK_SPANS: 'true' } : {}),
    ...(Number(percent) >= 100
      ? { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }
      : {
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: String(Number(percent) / 100),
        }),
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** This process's environment without the settings a service must take from the benchmark only. */
function inheritedEnv(): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('OTEL_') && k !== 'LOG_LEVEL' && k !== 'NODE_OPTIONS' && k !== 'NODE_ENV',
    ),
  );
}

function start(service: string, label: string, env: Record<string, string>): ChildProcess {
  const profile =
    CPU_PROFILE_DIR && CPU_PROFILE_SERVICES.includes(service)
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${CPU_PROFILE_DIR}`,
          `--cpu-prof-name=${service}-${label}-${process.pid}.cpuprofile`,
        ]
      : [];
  const launch = launchOf(service, profile);
  let out: number | 'ignore' = 'ignore';
  if (LOG_DIR) {
    mkdirSync(LOG_DIR, { recursive: true });
    out = openSync(join(LOG_DIR, `${service}-${label}.log`), 'a');
  }
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: { ...inheritedEnv(), ...env },
    stdio: ['ignore', out, 'inherit'],
    detached: true,
  });
  if (typeof out === 'number') closeSync(out);
  return watched(`${service} (${label})`, child);
}

/** A child of the benchmark: stopped by cleanup; if it exits before that, the run ends. */
function watched(name: string, child: ChildProcess): ChildProcess {
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${code ?? signal}) during the benchmark`);
      void cleanup().then(() => process.exit(1));
    }
  });
  children.push({ name, child });
  return child;
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after 90 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

async function cleanup(): Promise<void> {
  stopping = true;
  // --root: each start stops its own services, then its database and vhost go.
  await Promise.all(checkouts.map((run) => run.stop()));
  // Gateways before their upstreams (started last, stopped first): requests still in flight must
  // not meet a closed upstream.
  await Promise.all(
    [...children].reverse().map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          const gone = () => child.exitCode !== null || child.signalCode !== null;
          if (gone() || child.pid === undefined) return resolve();
          child.once('exit', () => resolve());
          signalGroup(child.pid, 'SIGTERM');
          setTimeout(() => {
            if (!gone()) signalGroup(child.pid!, 'SIGKILL');
          }, 10_000).unref();
        }),
    ),
  );
  // Each step on its own and bounded: a server that is down must not hang or skip the others.
  await bounded('drop the schemas', async () => {
    const db = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5_000 });
    await db.connect();
    try {
      const { rows } = await db.query('select nspname from pg_namespace where nspname like $1', [
        `${runId}%`,
      ]);
      for (const { nspname } of rows) await db.query(`drop schema if exists "${nspname}" cascade`);
    } finally {
      await db.end();
    }
  });
  await bounded('delete the Redis keys', async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const keys = await redis.keys(`*${runId}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
  await bounded('delete the exchange and its queues', async () => {
    const conn = await amqp.connect(AMQP_URL, { timeout: 5_000 });
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      // The management API is not enabled everywhere; rabbitmqctl is on every machine with the broker.
      const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', 'list_queues', 'name']).catch(
        () => ({
          stdout: '',
        }),
      );
      for (const name of stdout.split('\n').map((l) => l.trim())) {
        if (!name.startsWith(`${runId}.`)) continue;
        await ch.deleteQueue(name).catch(() => {});
        if (/\.retry\.\d+ms$/.test(name)) await ch.deleteExchange(name).catch(() => {});
      }
      await ch.deleteExchange(runId).catch(() => {});
    } finally {
      await conn.close();
    }
  });
}

async function bounded(what: string, step: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      step(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), 20_000);
      }),
    ]);
  } catch (err) {
    console.error(`cleanup: could not ${what} (${runId}): ${err instanceof Error ? err.message : err}`);
  } finally {
    clearTimeout(timer);
  }
}

/** One tracing configuration's identity, catalog and gateway, a user's token and a seeded catalog. */
interface Stack {
  config: string;
  identityUrl: string;
  catalogUrl: string;
  gatewayUrl: string;
  sink?: SpanSink;
  token: string;
  pids: { identity: number; catalog: number; gateway: number; floor?: number };
  /** BENCH_FLOOR: the floor proxy in front of this stack's identity and catalog */
  floorUrl?: string;
}

/** BENCH_FLOOR: the floor proxy in front of `identityUrl` and `catalogUrl` (auth-me's and products' paths). */
async function startFloor(config: string, identityUrl: string, catalogUrl: string) {
  if (!FLOOR) return {};
  const port = await freePort();
  const child = watched(
    `floor proxy (${config})`,
    spawn(process.execPath, [FLOOR_PROXY, String(port), `auth=${identityUrl}`, `products=${catalogUrl}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    }),
  );
  const floorUrl = `http://127.0.0.1:${port}`;
  await waitReady(floorUrl);
  return { floorUrl, floorPid: child.pid! };
}

async function startStack(config: string, index: number): Promise<Stack> {
  const sink = config.startsWith('export-') ? await startSpanSink() : undefined;
  if (sink) children.push({ name: `span sink (${config})`, child: sink.child });
  const tracing = tracingEnv(config, sink?.url);
  const [identityPort, catalogPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const identityUrl = `http://127.0.0.1:${identityPort}`;
  const catalogUrl = `http://127.0.0.1:${catalogPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const common = { ...tracing, DATABASE_URL, AMQP_URL, REDIS_URL, AMQP_EXCHANGE: runId };
  const jwks = `${identityUrl}/auth/.well-known/jwks.json`;

  const identity = start('identity', config, {
    ...common,
    PORT: String(identityPort),
    DATABASE_SCHEMA: `${runId}_${index}_identity`,
    MERCATO_ADMIN_EMAIL: ADMIN.email,
    MERCATO_ADMIN_PASSWORD: ADMIN.password,
  });
  await waitReady(identityUrl);
  const catalog = start('catalog', config, {
    ...common,
    PORT: String(catalogPort),
    DATABASE_SCHEMA: `${runId}_${index}_catalog`,
    JWKS_URL: jwks,
  });
  await waitReady(catalogUrl);
  const gateway = start('gateway', config, {
    ...tracing,
    REDIS_URL,
    PORT: String(gatewayPort),
    IDENTITY_URL: identityUrl,
    CATALOG_URL: catalogUrl,
    JWKS_URL: jwks,
    RATE_LIMIT_REDIS_PREFIX: `${runId}:${index}:rl:`,
    // Far above what one client sends in a window here: the limiter counts every request, never refuses.
    RATE_LIMIT_USER_MAX: '100000000',
    RATE_LIMIT_IP_MAX: '100000000',
  });
  await waitReady(gatewayUrl);
  const token = await seed(gatewayUrl, ADMIN, index);
  const { floorUrl, floorPid } = await startFloor(config, identityUrl, catalogUrl);
  return {
    config,
    identityUrl,
    catalogUrl,
    gatewayUrl,
    sink,
    token,
    pids: { identity: identity.pid!, catalog: catalog.pid!, gateway: gateway.pid!, floor: floorPid },
    floorUrl,
  };
}

/**
 * --root: the configuration's services as the checkout's own `npm start` runs them (every service,
 * on its ports), loaded directly at identity's and catalog's ports and through its gateway.
 */
async function startRootStack(root: string, config: string, index: number): Promise<Stack> {
  const sink = config.startsWith('export-') ? await startSpanSink() : undefined;
  if (sink) children.push({ name: `span sink (${config})`, child: sink.child });
  const run = await startCheckout(root, {
    env: {
      ...tracingEnv(config, sink?.url),
      RATE_LIMIT_USER_MAX: '100000000',
      RATE_LIMIT_IP_MAX: '100000000',
    },
    label: `gw_${index}`,
  });
  checkouts.push(run);
  const pidOf = (name: string) => {
    const pid = run.processes().find((p) => p.name === name)?.pid;
    if (pid === undefined) throw new Error(`npm start of ${root} runs no ${name}`);
    return pid;
  };
  const token = await seed(run.gatewayUrl, START_ADMIN, index);
  const { floorUrl, floorPid } = await startFloor(config, run.urls.identity!, run.urls.catalog!);
  return {
    config,
    identityUrl: run.urls.identity!,
    catalogUrl: run.urls.catalog!,
    gatewayUrl: run.gatewayUrl,
    sink,
    token,
    pids: {
      identity: pidOf('identity'),
      catalog: pidOf('catalog'),
      gateway: pidOf('gateway'),
      floor: floorPid,
    },
    floorUrl,
  };
}

/** Through the gateway: BENCH_PRODUCTS products (as the admin), then a user's access token. */
async function seed(gatewayUrl: string, adminUser: { email: string; password: string }, index: number) {
  const call = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(gatewayUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };
  const login = async (email: string, password: string) => {
    const res = await call('/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login ${email} answered ${res.status}: ${res.text}`);
    return res.body.accessToken as string;
  };

  const admin = await login(adminUser.email, adminUser.password);
  const category = await call('/products/categories', { slug: 'bench', name: 'Bench' }, admin);
  if (category.status !== 201) throw new Error(`category answered ${category.status}: ${category.text}`);
  for (let i = 0; i < PRODUCTS; i++) {
    const product = await call(
      '/products',
      {
        name: `Bench book ${String(i).padStart(3, '0')}`,
        description: 'A book of the gateway benchmark, with a description of an ordinary length.',
        category: 'bench',
        price: { amount: `${10 + i}.99`, currency: 'EUR' },
      },
      admin,
    );
    if (product.status !== 201) throw new Error(`product answered ${product.status}: ${product.text}`);
  }

  const email = `${runId}_${index}@example.com`;
  const password = 'bench-Password-123';
  const registered = await call('/auth/register', {
    email,
    username: `${runId}_${index}`.slice(0, 32),
    password,
  });
  if (registered.status !== 201)
    throw new Error(`register answered ${registered.status}: ${registered.text}`);
  return login(email, password);
}

/** Requests sent to each stack so far, warm-ups included (to set against the spans its sink got). */
const sent = new Map<string, { direct: number; gateway: number; floor: number }>();

type Side = 'direct' | 'gateway' | 'floor';

/** One load run: autocannon's result and the CPU milliseconds per request of each process. */
interface Measured {
  result: Result;
  cpuMsPerRequest: { gateway: number; upstream: number; generator: number };
}

async function load(
  stack: Stack,
  side: Side,
  upstream: 'identity' | 'catalog',
  url: string,
  token: string | undefined,
): Promise<Measured> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const opts = { url, headers };
  const warmUp = await autocannon({ ...opts, connections: CONNECTIONS, duration: 2 }); // JIT, pools, caches
  // CPU time of the processes (/proc): on a machine shared with other work it varies far less than req/s.
  const processes = [
    // The proxy in front: the gateway, or the floor proxy on the floor side.
    { name: 'gateway', pid: side === 'floor' ? stack.pids.floor! : stack.pids.gateway },
    { name: 'upstream', pid: stack.pids[upstream] },
  ];
  const before = serviceCpuSeconds(processes);
  const generatorBefore = process.cpuUsage();
  const result = await autocannon({ ...opts, connections: CONNECTIONS, duration: DURATION_S });
  const generator = process.cpuUsage(generatorBefore);
  const after = serviceCpuSeconds(processes);
  const counts = sent.get(stack.config) ?? { direct: 0, gateway: 0, floor: 0 };
  counts[side] += warmUp.requests.total + result.requests.total;
  sent.set(stack.config, counts);
  const requests = Math.max(1, result.requests.total);
  const msPer = (name: string) => ((after.get(name)! - before.get(name)!) * 1000) / requests;
  return {
    result,
    cpuMsPerRequest: {
      gateway: msPer('gateway'),
      upstream: msPer('upstream'),
      generator: (generator.user + generator.system) / 1000 / requests,
    },
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  if (ROOT) console.log(`npm start of ${ROOT}: every service as it runs them, one start per configuration`);
  else {
    const built = await ensureBuilt(['identity', 'catalog', 'gateway']);
    if (built.built.length > 0) console.log(`built ${built.built.join(', ')} in ${built.ms.toFixed(0)} ms`);
  }
  const stacks: Stack[] = [];
  for (const [i, config] of TRACING.entries())
    stacks.push(ROOT ? await startRootStack(ROOT, config, i) : await startStack(config, i));

  console.log(
    `${ENDPOINTS.join(', ')}: ${CONNECTIONS} connections, ${DURATION_S} s each after a 2 s warm-up, ${ROUNDS} round(s); ` +
      `${ROOT ? `npm start of ${ROOT}` : 'services as shipped (bundles, request logs at info)'}, tracing: ${TRACING.join(', ')}`,
  );
  // The servers and the load generator share this machine: other work on it skews the figures.
  console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start`);
  const header = `${'target'.padEnd(40)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'failed'.padStart(6)}   CPU ms/request: gateway, upstream, load generator`;
  const row = (name: string, { result: r, cpuMsPerRequest: cpu }: Measured, side: Side) =>
    `${name.padEnd(40)} ${r.requests.average.toFixed(0).padStart(7)} ${String(r.latency.p50).padStart(7)} ${String(
      r.latency.p99,
    ).padStart(7)} ${String(r.non2xx + r.errors + r.timeouts).padStart(6)}   ${
      side === 'direct' ? '-' : cpu.gateway.toFixed(3)
    }, ${cpu.upstream.toFixed(3)}, ${cpu.generator.toFixed(3)}`;

  // results[endpoint][config]: one entry per round
  const results = new Map<string, Map<string, { direct: Measured; gateway: Measured; floor?: Measured }[]>>();
  let failed = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`\nround ${round}\n${header}`);
    for (const endpoint of ENDPOINTS) {
      const { service, path, auth } = ENDPOINT_PATHS[endpoint]!;
      for (const stack of stacks) {
        const directUrl = (service === 'identity' ? stack.identityUrl : stack.catalogUrl) + path;
        const token = auth ? stack.token : undefined;
        // Odd rounds direct first, even rounds the gateway first: a drift of the machine does not
        // land on one side only.
        const sides: Side[] = stack.floorUrl ? ['direct', 'gateway', 'floor'] : ['direct', 'gateway'];
        const order = round % 2 === 1 ? sides : [...sides].reverse();
        const urlOf = {
          direct: directUrl,
          gateway: stack.gatewayUrl + path,
          floor: `${stack.floorUrl}${path}`,
        };
        const measured: Partial<Record<Side, Measured>> = {};
        for (const side of order) measured[side] = await load(stack, side, service, urlOf[side], token);
        const both = { direct: measured.direct!, gateway: measured.gateway!, floor: measured.floor };
        for (const m of [both.direct, both.gateway, both.floor])
          if (m) failed += m.result.non2xx + m.result.errors + m.result.timeouts;
        console.log(row(`${endpoint} ${stack.config} direct (${service})`, both.direct, 'direct'));
        console.log(row(`${endpoint} ${stack.config} via gateway`, both.gateway, 'gateway'));
        if (both.floor) console.log(row(`${endpoint} ${stack.config} via floor proxy`, both.floor, 'floor'));
        const perConfig = results.get(endpoint) ?? new Map();
        results.set(endpoint, perConfig);
        const rounds = perConfig.get(stack.config) ?? [];
        perConfig.set(stack.config, rounds);
        rounds.push(both);
      }
    }
  }

  const rps = (m: Measured) => m.result.requests.average;
  console.log(`\nmedians of ${ROUNDS} round(s):`);
  for (const endpoint of ENDPOINTS) {
    const perConfig = results.get(endpoint)!;
    const off = perConfig.get('off');
    for (const [config, rounds] of perConfig) {
      const ratio = median(rounds.map((r) => rps(r.gateway) / rps(r.direct)));
      const cpu = (side: 'direct' | 'gateway', name: 'gateway' | 'upstream') =>
        median(rounds.map((r) => r[side].cpuMsPerRequest[name])).toFixed(3);
      let line =
        `  ${endpoint.padEnd(9)} ${config.padEnd(11)} direct ${median(rounds.map((r) => rps(r.direct))).toFixed(0)} req/s, ` +
        `via gateway ${median(rounds.map((r) => rps(r.gateway))).toFixed(0)} req/s; gateway / direct ${pct(ratio)} ` +
        `(target ≥ ${TARGET_RATIO * 100}%: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}); CPU ms/request: ` +
        `gateway ${cpu('gateway', 'gateway')}, upstream ${cpu('direct', 'upstream')} direct / ${cpu('gateway', 'upstream')} via gateway`;
      const floors = rounds.flatMap((r) => (r.floor ? [{ ...r, floor: r.floor }] : []));
      if (floors.length > 0) {
        const floorRatio = median(floors.map((r) => rps(r.floor) / rps(r.direct)));
        const gatewayOfFloor = median(floors.map((r) => rps(r.gateway) / rps(r.floor)));
        const floorCpu = median(floors.map((r) => r.floor.cpuMsPerRequest.gateway)).toFixed(3);
        line += `; floor proxy / direct ${pct(floorRatio)} (${floorCpu} ms CPU a request), gateway / floor ${pct(gatewayOfFloor)}`;
      }
      // Tracing's cost: this configuration's throughput against `off` in the same round.
      if (off && config !== 'off') {
        const viaGateway = median(rounds.map((r, i) => rps(r.gateway) / rps(off[i]!.gateway)));
        const direct = median(rounds.map((r, i) => rps(r.direct) / rps(off[i]!.direct)));
        line += `; req/s against off: via gateway ${pct(viaGateway)}, direct ${pct(direct)}`;
      }
      console.log(line);
    }
  }
  if (failed > 0) console.log('warning: some requests failed; the figures are not comparable');
  const exporting = stacks.filter((s) => s.sink);
  if (exporting.length > 0) {
    // The batch processor exports every OTEL_BSP_SCHEDULE_DELAY (5 s): wait for the last batch.
    await new Promise((r) => setTimeout(r, 6_000));
    for (const s of exporting) {
      const stats = await s.sink!.stats();
      const counts = sent.get(s.config)!;
      console.log(
        `  ${s.config}: the sink received ${stats.spans} spans in ${stats.requests} exports (${(stats.bytes / 1e6).toFixed(1)} MB) ` +
          `for ${counts.direct} requests direct and ${counts.gateway} via the gateway`,
      );
    }
  }
}

try {
  await main();
} finally {
  await cleanup();
}
