// How a commit that wrote outbox rows reaches the relays, so an idle relay can sleep instead of polling.
//
// - In this process (every service: the writer and its relay share the process), the commit wakes the
//   relays of that outbox directly: the outbox writers mark the transaction, and an ORM subscriber
//   sees it commit. Nothing is sent to PostgreSQL for it.
// - A single autocommit statement carrying the rows (`outboxInsert` in a hot path's CTE) has no commit
//   event to hook: the relays are told a statement is coming, and its writer tells them when it has
//   returned (`outboxStatementDone`): they look then, once. A writer that does not say so leaves the
//   relays looking a few times over the next second (after 2, 4, 8 … ms): one row written so cost the
//   relay 13–15 statements, against 4 when its writer says so (test/relay-wake.test.ts).
// - A process that writes outbox rows but runs no relay on that outbox (a script, a one-off job, a test
//   writing from another ORM) announces its commit with `pg_notify(outboxChannel(schema), '')` after
//   the commit; every relay LISTENs on its outbox's channel.
// - Nothing depends on any of these arriving: a relay also looks every `pollIntervalMs` (the safety
//   poll), so a lost signal (a crash between commit and signal, a listener reconnecting) only delays.
//
// Why the services do not NOTIFY in the writing transaction: PostgreSQL serialises the commits of all
// transactions that sent a NOTIFY (a cluster-wide lock held through the commit's WAL flush). Measured
// here with pgbench, 8 clients, one INSERT per transaction: 5,200–9,900 tps plain, 2,200–2,900 tps with
// a pg_notify in each. Every service's hot path commits outbox rows, so that lock would cap them all.
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mercato/db';

/** What a relay is told. */
export interface OutboxListener {
  /** Rows were committed: look now. */
  committed(): void;
  /** A statement writing rows is about to run outside a transaction: look again shortly. */
  expecting(): void;
  /** One such statement has returned: `written` if it committed rows (look now), false if it failed. */
  settled(written: boolean): void;
}

const listeners = new Map<string, Set<OutboxListener>>();

/** Registers a relay of the outbox in `schema`; returns the function that unregisters it. */
export function listenForOutbox(schema: string, listener: OutboxListener): () => void {
  const set = listeners.get(schema) ?? new Set<OutboxListener>();
  listeners.set(schema, set);
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0 && listeners.get(schema) === set) listeners.delete(schema);
  };
}

/**
 * The LISTEN/NOTIFY channel of the outbox in `schema`: `outbox.<schema>`, or, when that would be longer
 * than an identifier may be (63 bytes), `outbox.<first 40 characters>.<hash>`.
 */
export function outboxChannel(schema: string): string {
  const plain = `outbox.${schema}`;
  if (Buffer.byteLength(plain) <= 63) return plain;
  const hash = createHash('sha256').update(schema).digest('hex').slice(0, 12);
  return `outbox.${schema.slice(0, 40)}.${hash}`;
}

const schemaOf = (em: Pick<EntityManager, 'config'>) => (em.config.get('schema') as string | undefined) ?? '';

type Transactional = Pick<
  EntityManager,
  'config' | 'getEventManager' | 'isInTransaction' | 'getTransactionContext'
>;
const isEntityManager = (em: object): em is Transactional =>
  typeof (em as Partial<Transactional>).getEventManager === 'function' &&
  typeof (em as Partial<Transactional>).isInTransaction === 'function';

// Transactions (their EntityManager and their transaction context) that wrote outbox rows.
const marked = new WeakSet<object>();
// Event managers (one per ORM, shared by its forks) that carry our subscriber.
const subscribed = new WeakSet<object>();

/**
 * The outbox writers call this as they write: `em`'s transaction (or the flush that will start one)
 * wrote outbox rows. `autocommit`: the rows go out in one statement run outside any transaction, just
 * after this call (outboxInsert's fragment); `done`: that statement has already committed.
 */
export function outboxWritten(
  em: Pick<EntityManager, 'config'>,
  how: 'transaction' | 'autocommit' | 'done',
): void {
  const schema = schemaOf(em);
  if (how === 'done') {
    outboxCommitted(em);
    return;
  }
  if (how === 'transaction' && isEntityManager(em)) {
    subscribe(em);
    marked.add(em);
    if (em.isInTransaction()) {
      const ctx = em.getTransactionContext() as object | undefined;
      if (ctx) marked.add(ctx);
    }
    return;
  }
  // No commit to wait for: look a few times shortly.
  for (const l of listeners.get(schema) ?? []) l.expecting();
}

/**
 * The autocommit statement that carried an `outboxInsert` fragment has returned (`written`) or failed:
 * the relays of this process look now and stop following it up. Inside a transaction: nothing (its
 * commit tells them).
 */
export function outboxStatementDone(em: Pick<EntityManager, 'config'>, written: boolean): void {
  if (isEntityManager(em) && em.isInTransaction()) return;
  const local = listeners.get(schemaOf(em));
  if (!local?.size) {
    if (written) outboxCommitted(em);
    return;
  }
  for (const l of local) l.settled(written);
}

/** Rows were committed to the outbox behind `em`: wake this process's relays of it, or NOTIFY them. */
export function outboxCommitted(em: Pick<EntityManager, 'config'>): void {
  const local = listeners.get(schemaOf(em));
  if (local?.size) {
    for (const l of local) l.committed();
    return;
  }
  if (!isEntityManager(em)) return;
  // No relay here: tell the others. After the commit, on a pooled connection, never awaited by the writer.
  (em as unknown as EntityManager)
    .getConnection()
    .execute('select pg_notify(?, ?)', [outboxChannel(schemaOf(em)), ''])
    .catch(() => {}); // the safety poll finds the rows anyway
}

function subscribe(em: Transactional): void {
  const events = em.getEventManager();
  if (subscribed.has(events)) return;
  subscribed.add(events);
  events.registerSubscriber({
    afterTransactionCommit(args) {
      const ctx = args.transaction as object | undefined;
      if (!marked.has(args.em) && !(ctx && marked.has(ctx))) return;
      marked.delete(args.em);
      if (ctx) marked.delete(ctx);
      // A savepoint released: the rows commit with the enclosing transaction, which we cannot name
      // here; look a few times shortly (and the safety poll after that).
      if (ctx && 'savepointName' in ctx) {
        for (const l of listeners.get(schemaOf(args.em)) ?? []) l.expecting();
        return;
      }
      outboxCommitted(args.em);
    },
    afterTransactionRollback(args) {
      marked.delete(args.em);
      if (args.transaction) marked.delete(args.transaction as object);
    },
  });
}
