// Moves committed outbox rows to RabbitMQ. Rows are claimed with FOR UPDATE SKIP LOCKED, so several
// relays (replicas) share one outbox without publishing a row twice, and a row is marked sent in the
// same transaction only after the broker confirmed it: during an outage the transaction rolls back
// and the rows simply wait. Publishing a batch and waiting for its confirms once is what makes it fast.
// An idle relay sleeps: a commit that wrote outbox rows wakes it (outbox-signal.ts: directly in this
// process, by LISTEN/NOTIFY from another), and a slow safety poll finds whatever a lost signal left.
import type { MikroORM } from '@mercato/db';
import pg from 'pg';
import type { Registry } from 'prom-client';
import type { Broker, Logger, OutgoingMessage } from './broker.ts';
import { UUID } from './envelope.ts';
import { outboxMetrics } from './metrics.ts';
import { listenForOutbox, outboxChannel } from './outbox-signal.ts';
import { contextFromHeaders } from './trace.ts';

export interface OutboxRelayOptions {
  orm: MikroORM;
  broker: Broker;
  logger?: Logger;
  /** rows per transaction and per confirm wait (default 500) */
  batchSize?: number;
  /**
   * The safety poll: how often an idle relay looks for rows no signal told it about (default 5 s).
   * Commits wake it: directly when the writer runs in this process (every service), by LISTEN/NOTIFY
   * otherwise (outbox-signal.ts). The poll only bounds the delay of a lost signal — a crash between a
   * commit and its signal, a listener reconnecting — so nothing depends on it but latency.
   */
  pollIntervalMs?: number;
  /**
   * A relay that has just published waits at least this long (default 25 ms) before it drains again,
   * so under load the rows committed meanwhile go out as one batch with one confirm wait. An idle
   * relay drains at once.
   */
  batchWindowMs?: number;
  /** LISTEN on the outbox's channel (default true): one more connection, idle until a NOTIFY. */
  listen?: boolean;
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
// After a signal that a statement writing rows is about to run outside a transaction, look after 2 ms,
// then 4, 8 … (at most 250) ms apart for a second: a statement that commits t ms after the signal is
// seen by about 2t (t + 250 at most), with nine looks in all for a lone write. (A look that finds rows
// does not end it: they may be another writer's, the announced statement still running.)
const FOLLOW_UP_FIRST_MS = 2;
const FOLLOW_UP_MAX_MS = 250;
const FOLLOW_UP_WINDOW_MS = 1000;
// A listener that lost its connection tries again after 100 ms, doubling up to 5 s.
const LISTEN_RETRY_MAX_MS = 5000;
// A failed batch is tried again after 50 ms × failures, at most 5 s apart.
const RETRY_STEP_MS = 50;
const RETRY_MAX_MS = 5000;

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** An id read from the outbox, checked before it is written into a statement. */
const uuidText = (id: string) => {
  if (!UUID.test(id)) throw new Error(`outbox relay: not a uuid: ${id}`);
  return id;
};

interface OutboxRow {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
}

export function startOutboxRelay(opts: OutboxRelayOptions): { stop(): Promise<void> } {
  const { broker } = opts;
  const logger = opts.logger ?? silent;
  const batchSize = Math.floor(opts.batchSize ?? 500);
  if (!(batchSize >= 1)) throw new Error(`outbox relay: batchSize must be at least 1 (${opts.batchSize})`);
  const pollIntervalMs = opts.pollIntervalMs ?? 5000;
  const batchWindowMs = opts.batchWindowMs ?? 25;
  const url = opts.orm.config.get('clientUrl') as string;
  const schema = opts.orm.config.get('schema') as string;
  const table = `${quote(schema)}.outbox`;
  const claimSql = `begin; select id, type, payload, headers from ${table}
    where sent_at is null order by id limit ${batchSize} for update skip locked`;
  // Its own small pool: the relay needs plain BEGIN / FOR UPDATE SKIP LOCKED / COMMIT with native
  // parameters, and must not compete with request handlers for the ORM's connections.
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'outbox-relay' });
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
  // One sleep at a time (the loop's): `timer` ends it at `deadline`, a signal may end it sooner.
  let endSleep: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let deadline = 0;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      endSleep = () => {
        clearTimeout(timer);
        endSleep = undefined;
        resolve();
      };
      deadline = Date.now() + ms;
      timer = setTimeout(endSleep, ms);
    });
  /** Ends the sleep within `ms` (at once for 0), unless it ends sooner anyway. */
  const shorten = (ms: number) => {
    if (!endSleep) return;
    if (ms <= 0) return endSleep();
    if (deadline - Date.now() <= ms) return;
    clearTimeout(timer);
    deadline = Date.now() + ms;
    timer = setTimeout(endSleep, ms);
  };

  let pending = false; // a commit was signalled since the last look began: look (again) before sleeping
  let lastPublished = 0; // when the last non-empty batch went out (the batch window starts there)
  let expectUntil = 0; // a statement writing rows was announced: follow-up looks until then
  let expected = 0; // announced statements not settled yet (within the window)
  let followUp = FOLLOW_UP_FIRST_MS;
  // Rows were committed by this process (not announced by a NOTIFY, a reconnect or a poll): the next
  // batch claims them without the idle relay's look first (one round trip fewer per wake).
  let rowsCommittedHere = false;
  const committed = () => {
    pending = true;
    shorten(Math.max(0, lastPublished + batchWindowMs - Date.now()));
  };
  const committedHere = () => {
    rowsCommittedHere = true;
    committed();
  };
  const expecting = () => {
    expected++;
    expectUntil = Date.now() + FOLLOW_UP_WINDOW_MS;
    followUp = FOLLOW_UP_FIRST_MS;
    shorten(Math.max(followUp, lastPublished + batchWindowMs - Date.now()));
  };
  const settled = (written: boolean) => {
    // Follow-ups are for statements still running: once none is, the look after this one is the last.
    if (expected > 0 && --expected === 0) expectUntil = 0;
    if (written) committedHere();
  };
  const stopListeningHere = listenForOutbox(schema, { committed: committedHere, expecting, settled });

  let unsubscribe: (() => void) | undefined;
  void broker
    .onConnected(async () => committed())
    .then((u) => {
      unsubscribe = u;
    });

  // LISTEN for commits of other processes on one connection of its own, which is opened again
  // (100 ms … 5 s apart) whenever it ends: a PostgreSQL restart, a terminated backend, a network cut.
  // Every (re)connect is followed by a look, for what was committed while nobody listened.
  let listener: pg.Client | undefined;
  let listenRetry: NodeJS.Timeout | undefined;
  let listenFailures = 0;
  const channel = outboxChannel(schema);
  const listen = async () => {
    listenRetry = undefined;
    if (!running) return;
    const client = new pg.Client({
      connectionString: url,
      application_name: 'outbox-relay-listener',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    listener = client;
    let ended = false;
    const retry = (err?: unknown) => {
      if (ended) return;
      ended = true;
      if (listener === client) listener = undefined;
      client.end().catch(() => {});
      if (!running) return;
      if (listenFailures++ === 0)
        logger.warn({ err, schema }, 'outbox relay: listener lost; polling until it is back');
      const delay = Math.min(100 * 2 ** (listenFailures - 1), LISTEN_RETRY_MAX_MS);
      listenRetry = setTimeout(listen, delay);
    };
    client.on('error', retry);
    client.on('end', () => retry());
    client.on('notification', committed);
    try {
      await client.connect();
      await client.query(`listen ${quote(channel)}`);
      if (!running) return void client.end().catch(() => {});
      if (listenFailures > 0) logger.info({ schema }, 'outbox relay: listening again');
      listenFailures = 0;
      committed();
    } catch (err) {
      retry(err);
    }
  };
  if (opts.listen ?? true) void listen();

  // Whether the last look found nothing to send. An idle relay looks with one plain statement (no
  // BEGIN / COMMIT, no locks taken) and opens the claiming transaction only when a row is there:
  // the empty polls of six services' relays were a seventh of every statement PostgreSQL ran
  // under bench:orders, each of them three round trips. Rows this process committed need no look:
  // another relay may take them first (skip locked), which then costs the claim and a commit.
  let idle = false;

  /**
   * Publishes one batch; returns how many rows it sent. Two round trips to PostgreSQL for a batch
   * (BEGIN with the claim, the update with COMMIT): they were four, for every batch of every relay.
   */
  const drainOnce = async (): Promise<number> => {
    const told = rowsCommittedHere;
    rowsCommittedHere = false;
    if (idle && !told) {
      const { rows } = await pool.query(`select 1 from ${table} where sent_at is null limit 1`);
      if (rows.length === 0) return 0;
    }
    const client = await pool.connect();
    let failed = false;
    try {
      // BEGIN and the claim in one round trip (several statements in one simple query; the batch
      // size is an integer, so nothing needs a parameter).
      const [, claimed] = (await client.query(claimSql)) as unknown as [unknown, pg.QueryResult<OutboxRow>];
      const rows = claimed.rows;
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
      // Marked sent and committed in one round trip: the ids are the uuid column's own text.
      await client.query(
        `update ${table} set sent_at = now() where id = any('{${rows.map((r) => uuidText(r.id)).join(',')}}'::uuid[]); commit`,
      );
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
      const now = Date.now();
      if (sent > 0) lastPublished = now;
      const window = Math.max(0, lastPublished + batchWindowMs - now);
      let delay: number;
      if (failures > 0) delay = Math.min(RETRY_STEP_MS * failures, RETRY_MAX_MS);
      else if (sent === batchSize || pending)
        delay = window; // more may be waiting
      else if (now < expectUntil) {
        delay = Math.max(followUp, window);
        followUp = Math.min(followUp * 2, FOLLOW_UP_MAX_MS);
      } else {
        expected = 0; // the window is over: a statement never settled (its writer did not say) is forgotten
        delay = pollIntervalMs;
      }
      if (delay > 0) await sleep(delay);
    }
  })();

  return {
    async stop() {
      running = false;
      stopListeningHere();
      unsubscribe?.();
      endSleep?.();
      clearTimeout(listenRetry);
      await loop;
      // A commit signalled just now (the consumers stopped before the relay finish their messages)
      // goes out before the process does, instead of waiting for another replica's safety poll.
      if (pending && failures === 0 && broker.connected) await drainOnce().catch(() => {});
      await listener?.end().catch(() => {});
      metrics?.remove();
      await pool.end();
    },
  };
}
