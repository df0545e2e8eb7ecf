// `npm run bench:gateway`: what the gateway costs. Starts identity and the gateway as child
// processes on free ports (a fresh schema, exchange and Redis prefix, against the local
// PostgreSQL, RabbitMQ and Redis), registers and logs in a user, then loads GET /auth/me at 50
// connections for 10 s through the gateway and directly against identity, and prints req/s, p50,
// p99 and the ratio. Target: through the gateway ≥ 70% of direct.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import autocannon, { type Result } from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
// More than one round alternates direct and gateway runs, so a burst of other work on the machine
// does not land on one side only; the ratio reported is then the median of the rounds'.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const TARGET_RATIO = 0.7;

const runId = `bench_gw_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function start(service: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: join(ROOT, 'services', service),
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  child.once('exit', (code) => {
    if (!stopping) {
      console.error(`${service} exited (code ${code}) during the benchmark`);
      void cleanup().then(() => process.exit(1));
    }
  });
  children.push(child);
  return child;
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after 60 s`);
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

let stopping = false;
async function cleanup(): Promise<void> {
  stopping = true;
  // The gateway before identity: requests it still has in flight must not meet a closed upstream.
  for (const child of [...children].reverse()) {
    await new Promise<void>((resolve) => {
      const gone = () => child.exitCode !== null || child.signalCode !== null;
      if (gone() || child.pid === undefined) return resolve();
      child.once('exit', () => resolve());
      signalGroup(child.pid, 'SIGTERM');
      setTimeout(() => {
        if (!gone()) signalGroup(child.pid!, 'SIGKILL');
      }, 10_000).unref();
    });
  }
  // Each step on its own and bounded: a server that is down must not hang or skip the others.
  await bounded('drop the schema', async () => {
    const db = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5_000 });
    await db.connect();
    await db.query(`drop schema if exists "${runId}" cascade`).finally(() => db.end());
  });
  await bounded('delete the Redis keys', async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const keys = await redis.keys(`${runId}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
  await bounded('delete the exchange', async () => {
    const conn = await amqp.connect(AMQP_URL, { timeout: 5_000 });
    try {
      const ch = await conn.createChannel();
      await ch.deleteExchange(runId);
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
        timer = setTimeout(() => reject(new Error('timed out')), 10_000);
      }),
    ]);
  } catch (err) {
    console.error(`cleanup: could not ${what} (${runId}): ${err instanceof Error ? err.message : err}`);
  } finally {
    clearTimeout(timer);
  }
}

async function load(url: string, token: string): Promise<Result> {
  const opts = { url, headers: { authorization: `Bearer ${token}` } };
  await autocannon({ ...opts, connections: CONNECTIONS, duration: 2 }); // warm-up: JIT, pools, caches
  return autocannon({ ...opts, connections: CONNECTIONS, duration: DURATION_S });
}

async function main(): Promise<void> {
  const [identityPort, gatewayPort] = [await freePort(), await freePort()];
  const identityUrl = `http://127.0.0.1:${identityPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const common = { DATABASE_URL, AMQP_URL, REDIS_URL, AMQP_EXCHANGE: runId };

  start('identity', { ...common, PORT: String(identityPort), DATABASE_SCHEMA: runId });
  await waitReady(identityUrl);
  start('gateway', {
    ...common,
    PORT: String(gatewayPort),
    IDENTITY_URL: identityUrl,
    JWKS_URL: `${identityUrl}/auth/.well-known/jwks.json`,
    RATE_LIMIT_REDIS_PREFIX: `${runId}:`,
    // Far above what one user can send in a window here: the limiter is counted, never hit.
    RATE_LIMIT_USER_MAX: '100000000',
    RATE_LIMIT_IP_MAX: '100000000',
  });
  await waitReady(gatewayUrl);

  const email = `${runId}@example.com`;
  const password = 'bench-Password-123';
  const post = (path: string, body: unknown) =>
    fetch(gatewayUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const registered = await post('/auth/register', { email, username: runId.slice(0, 32), password });
  if (registered.status !== 201)
    throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const login = await post('/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };

  console.log(`GET /auth/me, ${CONNECTIONS} connections, ${DURATION_S} s each (after a 2 s warm-up)...`);
  // Both servers and the load generator share this machine: other work on it skews the figures.
  console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start`);
  const header = `${'target'.padEnd(26)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'2xx'.padStart(9)} ${'failed'.padStart(7)}`;
  const row = (name: string, r: Result) =>
    `${name.padEnd(26)} ${r.requests.average.toFixed(0).padStart(8)} ${String(r.latency.p50).padStart(8)} ${String(
      r.latency.p99,
    ).padStart(8)} ${String(r['2xx']).padStart(9)} ${String(r.non2xx + r.errors + r.timeouts).padStart(7)}`;
  const ratios: number[] = [];
  let failed = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const direct = await load(`${identityUrl}/auth/me`, accessToken);
    const viaGateway = await load(`${gatewayUrl}/auth/me`, accessToken);
    const ratio = viaGateway.requests.average / direct.requests.average;
    ratios.push(ratio);
    failed += direct.non2xx + viaGateway.non2xx + direct.errors + viaGateway.errors;
    const suffix = ROUNDS > 1 ? ` (round ${round})` : '';
    console.log(`\n${header}`);
    console.log(row(`direct identity${suffix}`, direct));
    console.log(row(`via gateway${suffix}`, viaGateway));
    console.log(`gateway / direct = ${(ratio * 100).toFixed(1)}%`);
  }
  const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
  console.log(
    `\n${ROUNDS > 1 ? `median of ${ROUNDS} rounds: ` : ''}gateway / direct = ${(median * 100).toFixed(1)}% (target ≥ ${
      TARGET_RATIO * 100
    }%): ${median >= TARGET_RATIO ? 'met' : 'NOT met'}`,
  );
  if (failed > 0) console.log('warning: some requests failed; the figures are not comparable');
}

try {
  await main();
} finally {
  await cleanup();
}
