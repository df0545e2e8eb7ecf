// `npm start`: the whole system on one machine. Checks PostgreSQL, RabbitMQ and Redis, starts every
// service that exists (each runs its own migrations) and the gateway at once, waits until each is ready,
// seeds a demo catalog once, and stops everything on Ctrl-C. Output is prefixed per service.
// A service that exits once the system runs (a crash, a kill, a database restart it could not ride
// out) is started again after a backoff, as an orchestrator would; the others keep running.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureBuilt, launchOf } from './build/launch.ts';
import { seedDemoCatalog } from './seed.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_EMAIL = process.env.MERCATO_ADMIN_EMAIL ?? 'admin@mercato.local';
const ADMIN_PASSWORD = process.env.MERCATO_ADMIN_PASSWORD ?? 'Mercato-Admin-2026!';
const GATEWAY_PORT = Number(process.env.GATEWAY_PORT ?? 8080);
const READY_TIMEOUT_MS = Number(process.env.START_READY_TIMEOUT_MS ?? 120_000);
const STOP_GRACE_MS = 25_000;
// Restart backoff: 1 s, doubling up to 30 s; a run that stayed up 60 s starts over at 1 s.
const RESTART_FIRST_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 30_000;
const RESTART_RESET_AFTER_MS = 60_000;
// START_SERVICES=identity,catalog,gateway starts only those (the gateway, and the demo seeding, only
// when listed); START_PORT_OFFSET moves every service's port (3001 → 3001 + offset), not the gateway's.
const ONLY = process.env.START_SERVICES?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const PORT_OFFSET = Number(process.env.START_PORT_OFFSET ?? 0);

/** Every service the system can have; those without a folder under services/ are left out. */
const SERVICES: { name: string; port: number; gatewayVar?: string; env?: Record<string, string> }[] = [
  { name: 'fake-payment-provider', port: 3099 },
  // Stands in for the carrier: books parcels, then walks each one to delivered (a step every 20 s),
  // calling shipping's webhook as a real carrier would.
  {
    name: 'fake-carrier',
    port: 3098,
    env: {
      WEBHOOK_URL: `http://127.0.0.1:${3009 + PORT_OFFSET}/shippings/webhooks/carrier`,
      AUTO_ADVANCE_MS: process.env.CARRIER_AUTO_ADVANCE_MS ?? '20000',
    },
  },
  // Catches every e-mail notifications sends (SMTP on 1025) and shows it at http://localhost:1080.
  { name: 'mail-catcher', port: 1080, env: { SMTP_PORT: String(1025 + PORT_OFFSET) } },
  // The gateway runs on this machine: identity believes its X-Forwarded-For (the client's address,
  // for login throttling) and nobody else's.
  { name: 'identity', port: 3001, gatewayVar: 'IDENTITY_URL', env: { TRUST_PROXY: '127.0.0.1' } },
  { name: 'catalog', port: 3002, gatewayVar: 'CATALOG_URL' },
  { name: 'inventory', port: 3003, gatewayVar: 'INVENTORY_URL' },
  { name: 'cart', port: 3004, gatewayVar: 'CART_URL' },
  { name: 'orders', port: 3005, gatewayVar: 'ORDERS_URL' },
  {
    name: 'payments',
    port: 3006,
    gatewayVar: 'PAYMENTS_URL',
    env: { PAYMENT_PROVIDER_URL: `http://127.0.0.1:${3099 + PORT_OFFSET}` },
  },
  { name: 'invoices', port: 3007, gatewayVar: 'INVOICES_URL' },
  {
    name: 'notifications',
    port: 3008,
    gatewayVar: 'NOTIFICATIONS_URL',
    // SMTP_HOST etc. from the environment win: `SMTP_HOST=smtp.example.com ... npm start` uses a real relay.
    env: {
      SMTP_HOST: process.env.SMTP_HOST ?? '127.0.0.1',
      SMTP_PORT: process.env.SMTP_PORT ?? String(1025 + PORT_OFFSET),
      ADMIN_ALERT_EMAILS: process.env.ADMIN_ALERT_EMAILS ?? ADMIN_EMAIL,
    },
  },
  {
    name: 'shipping',
    port: 3009,
    gatewayVar: 'SHIPPING_URL',
    env: { CARRIER_URL: `http://127.0.0.1:${3098 + PORT_OFFSET}` },
  },
  { name: 'recommendations', port: 3010, gatewayVar: 'RECOMMENDATIONS_URL' },
  // The storefront and admin area: the gateway serves it at `/`; its pages call the API through the gateway.
  { name: 'web', port: 3011, gatewayVar: 'WEB_URL', env: { API_URL: `http://127.0.0.1:${GATEWAY_PORT}` } },
];

const INFRA = [
  {
    name: 'PostgreSQL',
    url: DATABASE_URL,
    defaultPort: 5432,
    // SSLRequest: a live server answers 'S' or 'N' at once.
    hello: Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]),
    answered: (reply: Buffer) => reply[0] === 0x53 || reply[0] === 0x4e,
    howTo: [
      'sudo apt-get install -y postgresql && sudo service postgresql start',
      "the default DATABASE_URL logs in as postgres without a password: in pg_hba.conf set 'trust' for",
      '127.0.0.1/32, or set DATABASE_URL=postgres://user:password@127.0.0.1:5432/postgres',
    ],
  },
  {
    name: 'RabbitMQ',
    url: AMQP_URL,
    defaultPort: 5672,
    // The AMQP 0-9-1 protocol header: a broker that is up answers with a Connection.Start method frame.
    hello: Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'),
    answered: (reply: Buffer) => reply[0] === 0x01,
    howTo: ['sudo apt-get install -y rabbitmq-server && sudo service rabbitmq-server start'],
  },
  {
    name: 'Redis',
    url: REDIS_URL,
    defaultPort: 6379,
    // Inline PING: +PONG, or an error such as -NOAUTH, both mean the server is up.
    hello: Buffer.from('PING\r\n'),
    answered: (reply: Buffer) => reply[0] === 0x2b || reply[0] === 0x2d,
    howTo: ['sudo apt-get install -y redis-server && sudo service redis-server start'],
  },
];

const COLORS = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94, 91, 37];
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;

interface Running {
  name: string;
  child: ChildProcess;
  lastLines: string[];
  exited: Promise<number | null>;
  exitCode?: number | null;
  exitSignal?: NodeJS.Signals | null;
  startedAt: number;
}
const running: Running[] = [];
let stopping = false;

function say(line: string): void {
  process.stdout.write(`${useColor ? '\x1b[1m[start]\x1b[0m' : '[start]'} ${line}\n`);
}

function canConnect(host: string, port: number, timeoutMs = 1_500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether a server speaks its protocol, not just whether its port is open: a broker still booting
 * (or stuck) accepts TCP connections long before it answers them.
 */
function answers(
  host: string,
  port: number,
  hello: Buffer,
  answered: (reply: Buffer) => boolean,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3_000, () => done(false));
    socket.once('connect', () => socket.write(hello));
    socket.once('data', (reply) => done(answered(reply)));
    socket.once('error', () => done(false));
    socket.once('end', () => done(false));
  });
}

async function checkInfrastructure(): Promise<boolean> {
  let allUp = true;
  for (const infra of INFRA) {
    const { hostname, port } = new URL(infra.url);
    const target = { host: hostname || '127.0.0.1', port: Number(port || infra.defaultPort) };
    if (await answers(target.host, target.port, infra.hello, infra.answered)) continue;
    allUp = false;
    say(`${infra.name} does not answer on ${target.host}:${target.port}. To start it (Debian/Ubuntu):`);
    for (const line of infra.howTo) say(`    ${line}`);
  }
  if (!allUp)
    say('(or run `sudo bash scripts/ensure-infra.sh`, which starts the local ones), then `npm start` again.');
  return allUp;
}

function launch(name: string, color: number, env: Record<string, string>): Running {
  // The service's bundles, run as its package.json `start` (and its image) runs them (launch.ts).
  const { command, args, cwd } = launchOf(name);
  const child = spawn(command, args, {
    cwd,
    // MALLOC_ARENA_MAX=2 as in the image (Dockerfile): fewer glibc arenas holding freed memory.
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: stopping it stops whatever it started too.
    detached: true,
  });
  const tag = useColor ? `\x1b[${color}m[${name}]\x1b[0m` : `[${name}]`;
  const entry: Running = {
    name,
    child,
    lastLines: [],
    startedAt: Date.now(),
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        entry.exitCode = code ?? (signal ? null : 0);
        entry.exitSignal = signal;
        resolve(code);
      }),
    ),
  };
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      entry.lastLines.push(line);
      if (entry.lastLines.length > 40) entry.lastLines.shift();
      process.stdout.write(`${tag} ${line}\n`);
    });
  }
  child.once('error', (err) => {
    entry.lastLines.push(`could not start: ${err.message}`);
  });
  running.push(entry);
  say(`${name} started (pid ${child.pid})`);
  return entry;
}

/** A service kept running: started again, after a backoff, whenever it exits. */
interface Supervised {
  name: string;
  port: number;
  color: number;
  env: Record<string, string>;
  entry: Running;
  /** the wait before the next restart */
  delayMs: number;
  restarts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describeExit(entry: Running): string {
  return entry.exitSignal ? `killed by ${entry.exitSignal}` : `exit code ${entry.exitCode}`;
}

/**
 * From now on, whenever the service exits (and we are not stopping), starts it again: after 1 s,
 * then 2, 4 … up to 30 s while it keeps dying, back to 1 s once a run lasted 60 s. The others keep
 * running meanwhile; only Ctrl-C / SIGTERM stops everything.
 */
function supervise(s: Supervised): void {
  void s.entry.exited.then(async () => {
    if (stopping) return;
    const upMs = Date.now() - s.entry.startedAt;
    if (upMs >= RESTART_RESET_AFTER_MS) s.delayMs = RESTART_FIRST_DELAY_MS;
    const delay = s.delayMs;
    s.delayMs = Math.min(delay * 2, RESTART_MAX_DELAY_MS);
    say(
      `${s.name} stopped unexpectedly (${describeExit(s.entry)}, up ${Math.round(upMs / 1000)} s); ` +
        `restarting it in ${delay / 1000} s`,
    );
    await sleep(delay);
    if (stopping) return;
    running.splice(running.indexOf(s.entry), 1);
    s.entry = launch(s.name, s.color, s.env);
    s.restarts++;
    const restart = s.restarts;
    supervise(s);
    waitReady(s.entry, s.port).then(
      () => say(`${s.name} is ready again (restart ${restart})`),
      () => {}, // it died again or we are stopping: supervise has it
    );
  });
}

async function waitReady(entry: Running, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (entry.exitCode !== undefined)
      throw new ServiceDied(entry, `exited with code ${entry.exitCode} while starting`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    // Often: a service is ready a few hundred milliseconds after it listens, and the system is as
    // ready as its last service. A refused connection costs next to nothing.
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new ServiceDied(entry, `was not ready on port ${port} after ${READY_TIMEOUT_MS / 1000} s`);
}

class ServiceDied extends Error {
  constructor(
    readonly entry: Running,
    readonly why: string,
  ) {
    super(`${entry.name} ${why}`);
  }
}

function reportDeath(entry: Running, why: string): void {
  say(`${entry.name} ${why}. Its last lines:`);
  for (const line of entry.lastLines) say(`    ${line}`);
}

function signalGroup(entry: Running, signal: NodeJS.Signals): void {
  if (entry.exitCode !== undefined || entry.child.pid === undefined) return;
  try {
    process.kill(-entry.child.pid, signal);
  } catch {
    // already gone
  }
}

let stopped: Promise<void> | undefined;
/** Stops every service once; a second caller (a signal during a failing start) waits for the same. */
async function stopAll(exitCode: number): Promise<never> {
  stopped ??= (async () => {
    stopping = true;
    say('stopping every service...');
    // Gateway first, so no new requests come in while the others finish theirs.
    for (const entry of [...running].reverse()) signalGroup(entry, 'SIGTERM');
    const timer = setTimeout(() => {
      say(`still running after ${STOP_GRACE_MS / 1000} s: killing`);
      for (const entry of running) signalGroup(entry, 'SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(running.map((e) => e.exited));
    clearTimeout(timer);
    say('all stopped');
  })();
  await stopped;
  process.exit(exitCode);
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        // A second Ctrl-C: no more waiting.
        for (const entry of running) signalGroup(entry, 'SIGKILL');
        return;
      }
      void stopAll(0);
    });
  }
  // Last resort if this process is ended some other way: never leave services behind.
  process.on('exit', () => {
    for (const entry of running) signalGroup(entry, 'SIGKILL');
  });

  if (!(await checkInfrastructure())) process.exit(1);

  const present = SERVICES.filter((s) => existsSync(join(ROOT, 'services', s.name, 'src', 'server.ts')))
    .filter((s) => !ONLY || ONLY.includes(s.name))
    .map((s) => ({ ...s, port: s.port + PORT_OFFSET }));
  const missing = SERVICES.filter((s) => !present.some((p) => p.name === s.name) && !ONLY).map((s) => s.name);
  const withGateway = !ONLY || ONLY.includes('gateway');
  const busy = [];
  for (const { name, port } of [
    ...present,
    ...(withGateway ? [{ name: 'gateway', port: GATEWAY_PORT }] : []),
  ]) {
    if (await canConnect('127.0.0.1', port, 500)) busy.push(`${port} (${name})`);
  }
  if (busy.length > 0) {
    say(`ports already in use: ${busy.join(', ')}. Is Mercato already running? Stop it first.`);
    process.exit(1);
  }
  say(
    `PostgreSQL, RabbitMQ and Redis answer. Starting ${present.map((s) => s.name).join(', ')}${withGateway ? ' and the gateway' : ''}.`,
  );
  if (missing.length > 0) say(`not in this checkout yet (skipped): ${missing.join(', ')}`);

  // Services run their bundles (compiled JavaScript, as in the images): build those whose sources
  // changed since their last build (esbuild, about 0.1 s a service; none when nothing changed).
  try {
    const { built, ms } = await ensureBuilt([
      ...present.map((s) => s.name),
      ...(withGateway ? ['gateway'] : []),
    ]);
    say(
      built.length > 0
        ? `built ${built.join(', ')} (${(ms / 1000).toFixed(1)} s)`
        : 'every bundle is up to date',
    );
  } catch (err) {
    say(`building the services failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }

  const common = {
    DATABASE_URL,
    AMQP_URL,
    REDIS_URL,
    JWKS_URL: `http://127.0.0.1:${3001 + PORT_OFFSET}/auth/.well-known/jwks.json`,
    MERCATO_ADMIN_EMAIL: ADMIN_EMAIL,
    MERCATO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // Where a service finds another's API when it must ask synchronously (orders → identity for the
    // shipping address and → shipping for a quote, cart → orders at checkout and → catalog for a product
    // it has not heard of).
    ...Object.fromEntries(
      SERVICES.filter((s) => s.gatewayVar).map((s) => [
        s.gatewayVar!,
        `http://127.0.0.1:${s.port + PORT_OFFSET}`,
      ]),
    ),
  };

  // A service that fails to START is reported and stops the start (a configuration error would only
  // fail again); once it has been ready, an exit means a restart (supervise).
  const start = async (name: string, port: number, color: number, env: Record<string, string>) => {
    const entry = launch(name, color, env);
    await waitReady(entry, port);
    supervise({ name, port, color, env, entry, delayMs: RESTART_FIRST_DELAY_MS, restarts: 0 });
  };

  // The gateway starts with the others: its start needs none of them (a request it forwards before
  // a service is up gets a 502/503, and the demo seeding below waits until every one is ready).
  // Starting it last would add its whole start to the system's.
  const routes = Object.fromEntries(
    present.filter((s) => s.gatewayVar).map((s) => [s.gatewayVar!, `http://127.0.0.1:${s.port}`]),
  );
  try {
    await Promise.all([
      ...present.map((s, i) =>
        start(s.name, s.port, COLORS[i % COLORS.length]!, { ...common, ...s.env, PORT: String(s.port) }),
      ),
      ...(withGateway
        ? [
            start('gateway', GATEWAY_PORT, 97, {
              ...common,
              ...routes,
              PORT: String(GATEWAY_PORT),
              // An allow-list (the gateway refuses `*`): a front end on the usual local dev ports.
              CORS_ORIGINS: process.env.CORS_ORIGINS ?? 'http://localhost:3000,http://127.0.0.1:3000',
              // The storefront calls the API from this machine, naming each visitor (X-Forwarded-For).
              TRUSTED_PROXIES: process.env.TRUSTED_PROXIES ?? 'loopback',
            }),
          ]
        : []),
    ]);
    say(`every service${withGateway ? ' and the gateway' : ''} is ready`);
  } catch (err) {
    if (!(err instanceof ServiceDied)) throw err;
    // Stopped by Ctrl-C while starting: that is not a death to report.
    if (stopping) return stopAll(0);
    reportDeath(err.entry, err.why);
    return stopAll(1);
  }

  if (stopping) return;
  const mail = present.find((s) => s.name === 'mail-catcher');
  const mailLine =
    mail && `Mail: http://localhost:${mail.port}  (every e-mail sent, caught; nothing is delivered)`;
  if (!withGateway) {
    if (mailLine) say(mailLine);
    say(
      `${present.map((s) => s.name).join(', ')} running (no gateway: START_SERVICES). Ctrl-C stops everything.`,
    );
    return;
  }
  const gatewayUrl = `http://127.0.0.1:${GATEWAY_PORT}`;
  try {
    await seedDemoCatalog({ gatewayUrl, adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, log: say });
  } catch (err) {
    // The system still runs; the demo data is a convenience.
    say(`seeding the demo catalog failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  say('');
  say(
    `Mercato is running. API: http://localhost:${GATEWAY_PORT}  docs: http://localhost:${GATEWAY_PORT}/docs`,
  );
  if (present.some((s) => s.name === 'web'))
    say(`Shop (storefront and /admin): http://localhost:${GATEWAY_PORT}/`);
  say(
    `admin login: ${ADMIN_EMAIL} / ${ADMIN_PASSWORD === 'Mercato-Admin-2026!' ? ADMIN_PASSWORD : '(MERCATO_ADMIN_PASSWORD)'}`,
  );
  if (mailLine) say(mailLine);
  say('Ctrl-C stops everything.');
}

await main();
