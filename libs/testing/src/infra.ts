// Helpers that let every test file use the shared PostgreSQL / RabbitMQ / Redis without stepping on
// other test files running at the same time: unique names, a schema of its own, and a TCP proxy to
// simulate outages (the real servers are shared, so they must never be stopped by a test).
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';

// Minimal shape of a tap Test we rely on, so this module does not depend on tap's types.
interface Teardownable {
  teardown(fn: () => unknown): void;
}

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** 't_1a2b3c4d5e6f' — lower-case, starts with a letter, safe as a schema, exchange or e-mail part. */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${clean}_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

/** Creates a unique, empty schema and drops it (with everything in it) when the test ends. */
export async function isolatedSchema(t: Teardownable, prefix: string): Promise<string> {
  const schema = uniqueName(prefix).slice(0, 63); // PostgreSQL identifiers are at most 63 bytes
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`create schema "${schema}"`);
  } finally {
    await client.end();
  }
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      await c.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await c.end();
    }
  });
  return schema;
}

/** Retries `fn` until it resolves without throwing; rethrows the last error after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

export interface TcpProxy {
  port: number;
  /** Destroys every open connection and refuses new ones (connections are reset, like a network cut). */
  cut(): void;
  /** Accepts connections again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1:<random port> to `target`. Point a client at it, then `cut()` to make the
 * server unreachable for that client only, and `restore()` to bring it back.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const cut = () => {
    open = false;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port,
    cut,
    async restore() {
      open = true;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
