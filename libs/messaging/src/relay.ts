// Moves committed outbox rows to RabbitMQ. Rows are claimed with FOR UPDATE SKIP LOCKED, so several
// relays (replicas) share one outbox without publishing a row twice, and a row is marked sent in the
// same transaction only after the broker confirmed it: during an outage the transaction rolls back
// and the rows simply wait. Publishing a batch and waiting for its confirms once is what makes it fast.
import type { MikroORM } from '@mercato/db';
import pg from 'pg';
import type { Registry } from 'prom-client';
import type { Broker, Logger, OutgoingMessage } from './broker.ts';
import { outboxMetrics } from './metrics.ts';
import { contextFromHeaders } from './trace.ts';

export interface OutboxRelayOptions {
  orm: MikroORM;
  broker: Broker;
  logger?: Logger;
  /** rows per transaction and per confirm wait (default 500) */
  batchSize?: number;
  /**
   * How often an idle relay looks for new rows (default 50 ms). A short poll, not LISTEN/NOTIFY:
   * PostgreSQL serializes the commits of every transaction that sent a NOTIFY (a database-wide lock
   * held through the WAL flush), which halved POST /orders throughput here. A poll of an empty
   * partial index costs ~0.1 ms; a busy relay does not sleep between full batches.
   */
  pollIntervalMs?: number;
  /**
   * The app's registry (`app.metrics`): outbox_published_total, and the gauges outbox_pending_rows
   * and outbox_oldest_pending_seconds, read from the outbox when Prometheus scrapes.
   */
  metrics?: Registry;
}

const silent: Logger = { info() {}, warn() {}, error() {} };
// A hung broker must not hold row locks forever: give up on the batch, roll back, try again later.
const CONFIRM_TIMEOUT_MS = 30_000;
// Sent rows are kept a while for debugging, then deleted so the table stays small.
const RETENTION = '1 hour';
const CLEANUP_EVERY_MS = 5 * 60_000;

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

interface OutboxRow {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
}

export function startOutboxRelay(opts: OutboxRelayOptions): { stop(): Promise<void> } {
  const { broker } = opts;
  const logger = opts.logger ?? silent;
  const batchSize = opts.batchSize ?? 500;
  const pollIntervalMs = opts.pollIntervalMs ?? 50;
  const url = opts.orm.config.get('clientUrl') as string;
  const schema = opts.orm.config.get('schema') as string;
  const table = `${quote(schema)}.outbox`;
  // Its own small pool: the relay needs plain BEGIN / FOR UPDATE SKIP LOCKED / COMMIT with native
  // parameters, and must not compete with request handlers for the ORM's connections.
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // A restart or failover of PostgreSQL ends every connection. pg-pool listens for that on idle
  // clients only (re-emitted as the pool's 'error'); a client the relay holds — waiting for the
  // broker's confirms inside its transaction — emits it on itself, and with no listener that 'error'
  // would end the process. The statement in flight fails anyway, the batch rolls back and the loop
  // retries with backoff, so logging is all either listener does.
  pool.on('error', (err) => logger.warn({ err }, 'outbox relay: idle database connection failed'));
  pool.on('connect', (client) =>
    client.on('error', (err) => logger.debug?.({ err }, 'outbox relay: database connection failed')),
  );

  // The backlog, at scrape time only: the partial index holds just the unsent rows, and ids are
  // uuidv7 (time-ordered), so the oldest is its first entry. Nothing is added to the relay's loop.
  const metrics = opts.metrics
    ? outboxMetrics(
        opts.metrics,
        async () => {
          const { rows } = await pool.query<{ pending: number; oldest: number }>(
            `select (select count(*) from ${table} where sent_at is null)::int as pending,
                    coalesce(extract(epoch from now() - (select created_at from ${table}
                      where sent_at is null order by id limit 1)), 0)::float8 as oldest`,
          );
          return { pending: rows[0]!.pending, oldestSeconds: Math.max(0, rows[0]!.oldest) };
        },
        logger,
      )
    : undefined;

  let running = true;
  let wakeUp: (() => void) | undefined;
  let pending = false; // a wake-up arrived while draining: drain again before sleeping
  const wake = () => {
    pending = true;
    wakeUp?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  let unsubscribe: (() => void) | undefined;
  void broker
    .onConnected(async () => wake())
    .then((u) => {
      unsubscribe = u;
    });

  // Whether the last look found nothing to send. An idle relay looks with one plain statement (no
  // BEGIN / COMMIT, no locks taken) and opens the claiming transaction only when a row is there:
  // the empty polls of six services' relays were a seventh of every statement PostgreSQL ran
  // under bench:orders, each of them three round trips.
  let idle = false;

  /** Publishes one batch; returns how many rows it sent. */
  const drainOnce = async (): Promise<number> => {
    if (idle) {
      const { rows } = await pool.query(`select 1 from ${table} where sent_at is null limit 1`);
      if (rows.length === 0) return 0;
    }
    const client = await pool.connect();
    let failed = false;
    try {
      await client.query('begin');
      const { rows } = await client.query<OutboxRow>(
        `select id, type, payload, headers from ${table}
          where sent_at is null order by id limit $1 for update skip locked`,
        [batchSize],
      );
      idle = rows.length === 0;
      if (rows.length === 0) {
        await client.query('commit');
        return 0;
      }
      const messages: OutgoingMessage[] = rows.map((row) => ({
        routingKey: row.type,
        content: Buffer.from(JSON.stringify(row.payload)),
        options: {
          messageId: row.id,
          type: row.type,
          timestamp: Math.floor(Date.now() / 1000),
          headers: { ...row.headers },
        },
        context: contextFromHeaders(row.headers),
      }));
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          broker.publishConfirmed(messages),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('publisher confirms timed out')), CONFIRM_TIMEOUT_MS);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
      await client.query(`update ${table} set sent_at = now() where id = any($1::uuid[])`, [
        rows.map((r) => r.id),
      ]);
      await client.query('commit');
      metrics?.published.inc(rows.length);
      return rows.length;
    } catch (err) {
      failed = true;
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release(failed);
    }
  };

  let lastCleanup = 0;
  const cleanup = async () => {
    if (Date.now() - lastCleanup < CLEANUP_EVERY_MS) return;
    lastCleanup = Date.now();
    await pool.query(`delete from ${table} where sent_at < now() - interval '${RETENTION}'`);
  };

  let failures = 0;
  const loop = (async () => {
    while (running) {
      pending = false;
      let sent = 0;
      try {
        if (broker.connected) {
          sent = await drainOnce();
          if (failures > 0) logger.info({ schema }, 'outbox relay: publishing again');
          failures = 0;
          await cleanup();
        }
      } catch (err) {
        // Log the first failure of an outage loudly, the rest quietly; rows stay pending meanwhile.
        if (failures++ === 0) logger.warn({ err, schema }, 'outbox relay: publish failed; rows stay pending');
        else logger.debug?.({ err, schema }, 'outbox relay: publish failed again');
      }
      if (!running) break;
      if (sent === batchSize || (pending && failures === 0)) continue; // more may be waiting
      await sleep(failures > 0 ? Math.min(pollIntervalMs * failures, 5000) : pollIntervalMs);
    }
  })();

  return {
    async stop() {
      running = false;
      unsubscribe?.();
      wakeUp?.();
      await loop;
      metrics?.remove();
      await pool.end();
    },
  };
}
