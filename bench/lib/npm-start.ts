// A checkout's own `npm start` (its scripts/start.ts, run by its package.json start command), for a
// benchmark's before/after in one sitting (`--root DIR`): on ports, in a database and a RabbitMQ vhost
// of this run's own, so it cannot collide with another `npm start` on the machine and needs no lock.
// Every start.ts since 2283922 takes DATABASE_URL, AMQP_URL, START_PORT_OFFSET, GATEWAY_PORT and
// MERCATO_ADMIN_EMAIL/PASSWORD, and passes its own environment on to every service it starts.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { onProcessExit, TEST_AMQP_URL, TEST_DATABASE_URL, uniqueName } from '@mercato/testing';
import pg from 'pg';

/** Every port start.ts gives a service (START_PORT_OFFSET moves them all), besides the gateway's. */
export const BASE_PORTS: Record<string, number> = {
  'fake-payment-provider': 3099,
  'fake-carrier': 3098,
  'mail-catcher': 1080,
  identity: 3001,
  catalog: 3002,
  inventory: 3003,
  cart: 3004,
  orders: 3005,
  payments: 3006,
  invoices: 3007,
  notifications: 3008,
  shipping: 3009,
  recommendations: 3010,
  web: 3011,
};
const EXTRA_PORTS = [1025]; // the mail catcher's SMTP

export const START_ADMIN = { email: 'admin@bench-root.test', password: 'Bench-Root-Admin-Password-1!' };

export interface StartedCheckout {
  root: string;
  gatewayUrl: string;
  /** Each started service's own address (its port under this run's offset). */
  urls: Record<string, string>;
  databaseUrl: string;
  amqpUrl: string;
  /** The exchange every service of the checkout uses (AMQP_EXCHANGE's default). */
  exchange: string;
  /**
   * The processes of the run, read now from /proc: start itself ('start': it relays every service's
   * output), then each service by the name start announced it with ("<name> started (pid N)"), a
   * process that service started counted under its name. A restarted service's new pid is used.
   */
  processes(): { name: string; pid: number }[];
  /** start's last output lines (for an error message). */
  output: string[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** An offset under which every port start.ts will use is free, and a free gateway port. */
export async function freePorts(): Promise<{ offset: number; gateway: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below the ephemeral range (32768 up), where outgoing connections could take a port meanwhile.
    const offset = 20_000 + Math.floor(Math.random() * 9_000);
    const gateway = 10_000 + Math.floor(Math.random() * 9_000);
    const all = [...[...Object.values(BASE_PORTS), ...EXTRA_PORTS].map((p) => p + offset), gateway];
    if ((await Promise.all(all.map(portFree))).every(Boolean)) return { offset, gateway };
  }
  throw new Error('no free port range found');
}

/** Parent pid of every process now (/proc/<pid>/stat field 4). */
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  return parents;
}

/**
 * Every process under `rootPid` (itself included), each named after its nearest ancestor (or itself)
 * in `named`, else `rootName`.
 */
export function processTree(
  rootPid: number,
  rootName: string,
  named: Map<number, string>,
  parents: Map<number, number> = parentPids(),
): { name: string; pid: number }[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const result: { name: string; pid: number }[] = [];
  const visit = (pid: number, inherited: string) => {
    const name = named.get(pid) ?? inherited;
    result.push({ name, pid });
    for (const child of children.get(pid) ?? []) visit(child, name);
  };
  if (parents.has(rootPid)) visit(rootPid, rootName);
  return result;
}

function urlWithDatabase(server: string, database: string): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Runs `npm start` of the checkout at `root` and resolves once it printed "Mercato is running" (every
 * service ready, the demo catalog seeded). `env` goes to start and so to every service it starts.
 */
export async function startCheckout(
  root: string,
  { env = {}, label = 'root' }: { env?: Record<string, string>; label?: string } = {},
): Promise<StartedCheckout> {
  const script = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start as string;
  const words = script.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`${root}: npm start is not a node command: ${script}`);

  const database = uniqueName(`bench_${label}`).slice(0, 63).toLowerCase();
  const vhost = uniqueName(`bench_${label}`);
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database "${database}"`);
  execFileSync('rabbitmqctl', ['-q', 'add_vhost', vhost]);
  execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  const amqp = new URL(TEST_AMQP_URL);
  amqp.pathname = `/${encodeURIComponent(vhost)}`;
  const databaseUrl = urlWithDatabase(TEST_DATABASE_URL, database);
  const amqpUrl = amqp.toString();
  const { offset, gateway } = await freePorts();

  // Settings a service must take from the run only: none inherited from the shell running the bench.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.startsWith('OTEL_') && !['LOG_LEVEL', 'NODE_OPTIONS', 'NODE_ENV', 'START_SERVICES'].includes(k),
    ),
  );
  const child: ChildProcess = spawn(process.execPath, words.slice(1), {
    cwd: root,
    env: {
      ...inherited,
      NO_COLOR: '1',
      DATABASE_URL: databaseUrl,
      AMQP_URL: amqpUrl,
      START_PORT_OFFSET: String(offset),
      GATEWAY_PORT: String(gateway),
      MERCATO_ADMIN_EMAIL: START_ADMIN.email,
      MERCATO_ADMIN_PASSWORD: START_ADMIN.password,
      // One client places every order: the gateway's per-address and per-user limits are not measured.
      RATE_LIMIT_IP_MAX: '1000000',
      RATE_LIMIT_USER_MAX: '1000000',
      // On a busy machine a start from TypeScript (before: tsx compiling every module) can take longer
      // than start's 120 s: slow is what is measured, not a failure.
      START_READY_TIMEOUT_MS: '600000',
      // CPU_PROFILE_DIR=/tmp/prof: every process of the start writes a V8 CPU profile there on exit.
      ...(process.env.CPU_PROFILE_DIR
        ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(process.env.CPU_PROFILE_DIR)}` }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A bench that ends without stopping it (a crash, Ctrl-C) still asks start to stop its services.
  const cancelOnExit = onProcessExit(() => child.kill('SIGTERM'));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      cancelOnExit();
      resolve();
    }),
  );
  const output: string[] = [];
  const pids = new Map<string, number>();
  let running = false;
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (output.length > 200) output.shift();
      const started = /^\[start\] (\S+) started \(pid (\d+)\)/.exec(line);
      if (started) pids.set(started[1]!, Number(started[2]));
      if (/^\[start\] Mercato is running/.test(line)) running = true;
    });
  }

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    // start stops every service (SIGTERM, then SIGKILL after its own grace) before it exits.
    const done = await Promise.race([exited.then(() => true), sleep(40_000).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      for (const pid of pids.values()) {
        try {
          process.kill(-pid, 'SIGKILL'); // each service runs in a process group of its own
        } catch {}
      }
    }
    await admin.query(`drop database if exists "${database}" with (force)`).catch(() => {});
    await admin.end().catch(() => {});
    try {
      execFileSync('rabbitmqctl', ['-q', 'delete_vhost', vhost]);
    } catch {}
  };

  try {
    const deadline = performance.now() + 900_000;
    while (!running) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`npm start of ${root} exited:\n${output.slice(-40).join('\n')}`);
      if (performance.now() > deadline)
        throw new Error(`npm start of ${root} not running after 900 s:\n${output.slice(-40).join('\n')}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const urls = Object.fromEntries(
    [...pids.keys()]
      .filter((name) => BASE_PORTS[name] !== undefined)
      .map((name) => [name, `http://127.0.0.1:${BASE_PORTS[name]! + offset}`]),
  );
  return {
    root,
    gatewayUrl: `http://127.0.0.1:${gateway}`,
    urls: { ...urls, gateway: `http://127.0.0.1:${gateway}` },
    databaseUrl,
    amqpUrl,
    exchange: 'mercato',
    processes: () => processTree(child.pid!, 'start', new Map([...pids].map(([name, pid]) => [pid, name]))),
    output,
    stop,
  };
}
