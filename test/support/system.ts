// Starts the order flow's services (and notifications, given an SMTP port) against the real
// PostgreSQL, RabbitMQ and Redis, each on its own schema and one exchange of its own, behind a real
// gateway: what a client sees, in one call.
// Services run in this process (fast start, one debugger) or as child processes (so a test can kill
// one with SIGKILL, and a benchmark gets more than one event loop on a 2-core machine).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dropSchema } from '@mercato/db';
import { loadConfig } from '@mercato/kit';
import {
  freeTcpPort,
  onProcessExit,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
} from '@mercato/testing';
import amqp from 'amqplib';
import { ensureBuilt, launchOf, serviceNames } from '../../scripts/build/launch.ts';

const execFileAsync = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type ServiceName =
  | 'identity'
  | 'catalog'
  | 'inventory'
  | 'cart'
  | 'orders'
  | 'payments'
  | 'invoices'
  | 'notifications'
  | 'shipping'
  | 'recommendations'
  | 'fake-payment-provider'
  | 'fake-carrier'
  | 'gateway';

interface Running {
  name: ServiceName;
  url: string;
  port: number;
  env: Record<string, string>;
  /** The child's process id (child processes only). */
  pid?: number;
  stop(): Promise<void>;
  kill?(): Promise<void>;
  /** Child processes only: how the process ended if it exited without being asked to. */
  unexpectedExit?(): { code: number | null; signal: string | null; stderr: string } | undefined;
}

export interface SystemOptions {
  /** Services run as child processes instead of in this process (all: 'all'). */
  childProcesses?: ServiceName[] | 'all';
  /**
   * Child processes run exactly as `npm start` and the images run them (scripts/build/launch.ts): the
   * service's bundles (built first if their sources changed), its package.json `start` command with
   * the instrumentation, from its folder, and no LOG_LEVEL or NODE_ENV of ours (the service's own
   * defaults: `info`) unless `logLevel` is given. Default: the TypeScript sources through tsx,
   * without instrumentation, at `logLevel` (default `silent`). Without `childProcesses`, every
   * service runs as a child.
   */
  shipped?: boolean;
  /** How many inventory instances compete on the same queue and schema. */
  inventoryReplicas?: number;
  /** The broker URL every service uses (a TCP proxy in fault tests, a private node in infra-restarts). */
  amqpUrl?: string;
  /** The PostgreSQL every service uses (default the shared one; a private server in infra-restarts). */
  databaseUrl?: string;
  /** The Redis every service uses (default the shared one; a private server in infra-restarts). */
  redisUrl?: string;
  /** Extra environment per service. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  logLevel?: string;
  /** Keep the schemas after stop (benchmarks inspect them); default drops them. */
  keepSchemas?: boolean;
  /**
   * Start catalog, inventory, orders, payments and invoices at the same time (they depend only on
   * identity and the payment provider, started first); default one after the other. Each child then
   * has 180 s instead of 60 s to become healthy: five processes compiling at once on two cores.
   */
  parallelStart?: boolean;
  /** Child processes append their stdout and stderr to `<logDir>/<service>.log` (default: discarded). */
  logDir?: string;
  /**
   * Start notifications too, sending over SMTP to 127.0.0.1:<smtpPort> (a test's `startSmtpSink()`),
   * with the admins' alerts to ADMIN_EMAIL; default: no notifications service.
   */
  smtpPort?: number;
  /**
   * Start shipping and the fake carrier too (orders then finds quotes at shipping; the carrier's
   * webhooks go straight to shipping); default: neither.
   */
  shipping?: boolean;
  /** Start recommendations too (it learns from the orders' events; the gateway routes /recommendations). */
  recommendations?: boolean;
}

export const ADMIN_EMAIL = 'admin@mercato.test';
export const ADMIN_PASSWORD = 'Flow-Admin-Password-1!';

export interface System {
  gatewayUrl: string;
  exchange: string;
  urls: Record<string, string>;
  schemas: Record<string, string>;
  services: Running[];
  /** Stops one service instance (the first of that name, or the index-th replica) gracefully or by SIGKILL. */
  stopService(name: ServiceName, opts?: { kill?: boolean; index?: number }): Promise<void>;
  /** Starts one more instance of a service with the same schema and exchange. */
  startService(name: ServiceName): Promise<void>;
  /**
   * Child processes that exited on their own since the last call (a crash, a fatal error): they are
   * removed from `services`, and `startService` gives them their port back.
   */
  takeExitedServices(): { name: ServiceName; code: number | null; signal: string | null; stderr: string }[];
  stop(): Promise<void>;
}

async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
      last = new Error(`healthz ${res.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become healthy: ${String(last)}`);
}

async function startInProcess(name: ServiceName, env: Record<string, string>, port = 0): Promise<Running> {
  const dir = path.join(root, 'services', name, 'src');
  const configModule = await import(path.join(dir, 'config.ts'));
  const schema = configModule.configSchema ?? configModule.gatewayConfigSchema;
  const { buildApp } = await import(path.join(dir, 'app.ts'));
  const config = loadConfig(schema, env);
  const app = await buildApp(config);
  await app.listen({ port, host: '127.0.0.1' });
  const bound = (app.server.address() as net.AddressInfo).port;
  return { name, url: `http://127.0.0.1:${bound}`, port: bound, env, stop: () => app.close() };
}

async function startChild(
  name: ServiceName,
  env: Record<string, string>,
  reusePort?: number,
  logDir?: string,
  startTimeoutMs?: number,
  shipped?: boolean,
): Promise<Running> {
  const port = reusePort ?? (await freeTcpPort());
  const childEnv = { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' };
  // CPU_PROFILE_DIR=/tmp/prof npm run bench:orders: one V8 CPU profile per service (on exit).
  const profile = process.env.CPU_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.CPU_PROFILE_DIR)}`]
    : [];
  const launch = shipped
    ? launchOf(name, profile)
    : {
        command: process.execPath,
        args: [...profile, '--import', 'tsx', path.join(root, 'services', name, 'src', 'server.ts')],
        cwd: root,
      };
  const child: ChildProcess = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: childEnv,
    stdio: ['ignore', logDir ? 'pipe' : 'ignore', 'pipe'],
  });
  const log = logDir ? createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' }) : undefined;
  if (log) child.stdout?.pipe(log, { end: false });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-4000);
    log?.write(d);
  });
  let asked = false;
  // A test process that ends without stopping the system (a crash, a failed setup) takes its
  // children with it instead of leaving them running on a shared machine.
  const cancelKillOnExit = onProcessExit(() => child.kill('SIGKILL'));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      cancelKillOnExit();
      log?.end();
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitReady(url, startTimeoutMs),
      exited.then(() => {
        throw new Error(`${name} exited at start: ${stderr}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const signal = async (sig: NodeJS.Signals) => {
    asked = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return {
    name,
    url,
    port,
    env,
    pid: child.pid,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    unexpectedExit: () =>
      !asked && (child.exitCode !== null || child.signalCode !== null)
        ? { code: child.exitCode, signal: child.signalCode, stderr }
        : undefined,
  };
}

/** Starts the order flow behind a gateway. Call `stop()` (or pass a tap test to `startSystemFor`). */
export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  const exchange = uniqueName('flow');
  const amqpUrl = opts.amqpUrl ?? TEST_AMQP_URL;
  const databaseUrl = opts.databaseUrl ?? TEST_DATABASE_URL;
  const redisUrl = opts.redisUrl ?? TEST_REDIS_URL;
  const logLevel = opts.logLevel ?? 'silent';
  // As shipped: the services' own log level and NODE_ENV unless the caller names a level.
  const shippedDefaults = opts.shipped && opts.logLevel === undefined;
  // `shipped` without a list: every service as a child process, as `npm start` runs them.
  const children = opts.childProcesses ?? (opts.shipped ? 'all' : []);
  const asChild = (name: ServiceName) => children === 'all' || children.includes(name);
  const schemas: Record<string, string> = {};
  const urls: Record<string, string> = {};
  const services: Running[] = [];

  const envFor = (name: ServiceName): Record<string, string> => {
    if (!schemas[name]) schemas[name] = uniqueName(`flow_${name.replace(/-/g, '_')}`).slice(0, 63);
    return {
      ...(shippedDefaults ? {} : { LOG_LEVEL: logLevel }),
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schemas[name],
      AMQP_URL: amqpUrl,
      AMQP_EXCHANGE: exchange,
      REDIS_URL: redisUrl,
      JWKS_URL: urls.identity ? `${urls.identity}/auth/.well-known/jwks.json` : 'http://127.0.0.1:1/none',
      PAYMENT_PROVIDER_URL: urls['fake-payment-provider'] ?? 'http://127.0.0.1:1',
      // Services that call another's API (orders → identity for the shipping address) find it here.
      IDENTITY_URL: urls.identity ?? 'http://127.0.0.1:1',
      // cart → orders at checkout, → catalog for a product its read model does not know yet
      ORDERS_URL: urls.orders ?? 'http://127.0.0.1:1',
      CATALOG_URL: urls.catalog ?? 'http://127.0.0.1:1',
      // notifications → invoices for the PDF it attaches
      INVOICES_URL: urls.invoices ?? 'http://127.0.0.1:1',
      // orders → shipping for a quote; shipping → the carrier to book parcels
      SHIPPING_URL: urls.shipping ?? 'http://127.0.0.1:1',
      CARRIER_URL: urls['fake-carrier'] ?? 'http://127.0.0.1:1',
      MERCATO_ADMIN_EMAIL: ADMIN_EMAIL,
      MERCATO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...(opts.shipped ? {} : { NODE_ENV: 'test' }),
      // orders: no payment retry window unless a test asks for one (env.orders.PAYMENT_RETRY_WINDOW_MS),
      // so a declined card cancels the order at once; order-flow, faults, contention and redelivery
      // rely on that. test/flow/payment-retry.test.ts opens a window.
      ...(name === 'orders' ? { PAYMENT_RETRY_WINDOW_MS: '0' } : {}),
      ...(name === 'notifications'
        ? {
            SMTP_HOST: '127.0.0.1',
            SMTP_PORT: String(opts.smtpPort ?? 1),
            SMTP_SECURITY: 'none',
            ADMIN_ALERT_EMAILS: ADMIN_EMAIL,
            SHOP_URL: 'http://shop.mercato.test',
          }
        : {}),
      ...(opts.env?.[name] ?? {}),
    };
  };

  // A restarted child gets its old port back, so the gateway's routing table stays true.
  const stoppedPorts = new Map<ServiceName, number>();
  const start = async (name: ServiceName) => {
    const env = envFor(name);
    const reuse = stoppedPorts.get(name);
    stoppedPorts.delete(name);
    const running = asChild(name)
      ? await startChild(
          name,
          env,
          reuse,
          opts.logDir,
          opts.parallelStart ? 180_000 : undefined,
          opts.shipped,
        )
      : await startInProcess(name, env, reuse);
    services.push(running);
    urls[name] ??= running.url;
    return running;
  };

  const debug = (msg: string) => process.env.SYSTEM_DEBUG && console.error(`[system] ${msg}`);
  const stop = async () => {
    for (const s of [...services].reverse()) {
      const t0 = Date.now();
      await s.stop().catch(() => {});
      debug(`stopped ${s.name} in ${Date.now() - t0} ms`);
    }
    services.length = 0;
    await deleteExchangeTopology(TEST_AMQP_URL, exchange).catch(() => {});
    debug('deleted topology');
    if (!opts.keepSchemas) {
      for (const schema of Object.values(schemas)) await dropSchema(databaseUrl, schema).catch(() => {});
    }
    debug('dropped schemas');
  };

  // As shipped: the bundles of every service that runs as a child, rebuilt if their sources changed.
  if (opts.shipped) await ensureBuilt(serviceNames().filter((n) => asChild(n as ServiceName)));
  try {
    await start('identity');
    await start('fake-payment-provider');
    if (opts.shipping) {
      // The carrier calls shipping back and shipping calls the carrier (and catalog): shipping's port
      // is chosen first, so the carrier and orders are told where it will be; it starts after catalog.
      const shippingPort = await freeTcpPort();
      stoppedPorts.set('shipping', shippingPort);
      urls.shipping = `http://127.0.0.1:${shippingPort}`;
      opts.env = {
        ...opts.env,
        'fake-carrier': {
          WEBHOOK_URL: `${urls.shipping}/shippings/webhooks/carrier`,
          ...(opts.env?.['fake-carrier'] ?? {}),
        },
      };
      await start('fake-carrier');
    }
    const middle: ServiceName[] = [
      'catalog',
      ...Array.from({ length: opts.inventoryReplicas ?? 1 }, () => 'inventory' as const),
      'orders',
      'payments',
      'invoices',
    ];
    if (opts.parallelStart) {
      // All settle before we go on, so a failed start leaves nothing half-registered behind.
      const started = await Promise.allSettled(middle.map((name) => start(name)));
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    } else {
      for (const name of middle) await start(name);
    }
    if (opts.shipping) await start('shipping');
    // The cart calls orders and catalog: it starts once their addresses are known.
    await start('cart');
    // notifications fetches invoices' PDFs: it starts once invoices' address is known.
    if (opts.smtpPort !== undefined) await start('notifications');
    if (opts.recommendations) await start('recommendations');
    const gatewayEnv = {
      IDENTITY_URL: urls.identity,
      CATALOG_URL: urls.catalog,
      INVENTORY_URL: urls.inventory,
      CART_URL: urls.cart,
      ORDERS_URL: urls.orders,
      PAYMENTS_URL: urls.payments,
      INVOICES_URL: urls.invoices,
      ...(urls.notifications ? { NOTIFICATIONS_URL: urls.notifications } : {}),
      ...(urls.shipping ? { SHIPPING_URL: urls.shipping } : {}),
      ...(urls.recommendations ? { RECOMMENDATIONS_URL: urls.recommendations } : {}),
      RATE_LIMIT_IP_MAX: '1000000',
      RATE_LIMIT_USER_MAX: '1000000',
      RATE_LIMIT_REDIS_PREFIX: `${exchange}:rl:`,
      UPSTREAM_TIMEOUT_MS: '30000',
    };
    opts.env = { ...opts.env, gateway: { ...gatewayEnv, ...(opts.env?.gateway ?? {}) } };
    await start('gateway');
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    gatewayUrl: urls.gateway,
    exchange,
    urls,
    schemas,
    services,
    async stopService(name, { kill = false, index = 0 } = {}) {
      const matching = services.filter((s) => s.name === name);
      const target = matching[index];
      if (!target) throw new Error(`no running ${name}[${index}]`);
      services.splice(services.indexOf(target), 1);
      stoppedPorts.set(name, target.port);
      if (kill) {
        if (!target.kill) throw new Error(`${name} runs in process: start it as a child to kill it`);
        await target.kill();
      } else {
        await target.stop();
      }
    },
    async startService(name) {
      await start(name);
    },
    takeExitedServices() {
      const gone = [];
      for (const s of [...services]) {
        const exit = s.unexpectedExit?.();
        if (!exit) continue;
        services.splice(services.indexOf(s), 1);
        stoppedPorts.set(s.name, s.port);
        gone.push({ name: s.name, ...exit });
      }
      return gone;
    },
    stop,
  };
}

/** Removes every queue whose name starts with the exchange's name, then the exchange. */
async function deleteExchangeTopology(url: string, exchange: string): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    // The management API is not enabled everywhere; rabbitmqctl is on every machine that runs the broker.
    const { stdout } = await execFileAsync('rabbitmqctl', ['-q', 'list_queues', 'name']).catch(() => ({
      stdout: '',
    }));
    for (const name of stdout.split('\n').map((l) => l.trim())) {
      if (!name.startsWith(`${exchange}.`)) continue;
      await ch.deleteQueue(name).catch(() => {});
      if (/\.retry\.\d+ms$/.test(name)) await ch.deleteExchange(name).catch(() => {});
    }
    await ch.deleteExchange(exchange).catch(() => {});
    await ch.close().catch(() => {});
  } finally {
    await conn.close().catch(() => {});
  }
}
