// The orders funnel as Prometheus metrics: orders placed, every status change (from → to), the
// cancellations by reason, the time from placement to confirmation, and the PENDING backlog.
//
// Counters are in memory and counted only once the change committed (a rolled-back order is not an
// order), through @mercato/db's afterCommitHooks; a single statement outside a transaction (the
// placement) has committed when it returns. The write paths reach the metrics through their
// EntityManager (every fork and transaction of one ORM shares its `config`), so no signature between
// the routes, the consumers and the persistence changes, and nothing is added to the SQL of an order.
// The gauges query at scrape time only.
import type { CancelReason } from '@mercato/contracts';
import { type AfterCommit, afterCommitHooks, type EntityManager, type MikroORM } from '@mercato/db';
import type { Logger } from '@mercato/messaging';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { OrderStatus } from '../domain/status.ts';
import { schemaOf } from './sql.ts';

interface OrderMetrics {
  placed: Counter;
  transitions: Counter<'from' | 'to'>;
  cancelled: Counter<'reason'>;
  confirmation: Histogram;
  afterCommit: AfterCommit;
}

const byOrm = new WeakMap<object, OrderMetrics>();

/** Registers the orders metrics on `registry` for every write made through `orm`. */
export function installOrderMetrics(orm: MikroORM, registry: Registry, logger: Logger): void {
  const pendingRead = pendingReader(orm, logger);
  new Gauge({
    name: 'orders_pending',
    help: 'Orders in status PENDING (waiting for stock and payment)',
    registers: [registry],
    async collect() {
      const pending = await pendingRead();
      if (pending) this.set(pending.count);
    },
  });
  new Gauge({
    name: 'orders_pending_oldest_seconds',
    help: 'Age of the oldest PENDING order, in seconds (0 when none)',
    registers: [registry],
    async collect() {
      const pending = await pendingRead();
      if (pending) this.set(pending.oldestSeconds);
    },
  });
  byOrm.set(orm.config, {
    placed: new Counter({
      name: 'orders_placed_total',
      help: 'Orders placed (committed)',
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'orders_transitions_total',
      help: 'Order status changes, by the status left and the status entered',
      labelNames: ['from', 'to'] as const,
      registers: [registry],
    }),
    cancelled: new Counter({
      name: 'orders_cancelled_total',
      help: 'Orders cancelled, by reason (out_of_stock, payment_failed, customer, timeout, admin)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    confirmation: new Histogram({
      name: 'orders_confirmation_seconds',
      help: 'Time from placement to CONFIRMED (stock reserved and payment captured), in seconds',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    afterCommit: afterCommitHooks(orm),
  });
}

/** Runs `fn` once `em`'s work is committed: at its transaction's commit, or now outside of one. */
function whenCommitted(em: EntityManager, fn: (m: OrderMetrics) => void): void {
  const m = byOrm.get(em.config);
  if (!m) return; // metrics not installed (a test of the persistence alone)
  if (em.isInTransaction()) m.afterCommit(em, () => fn(m));
  else fn(m);
}

/** An order was placed (its statement has run on `em`). */
export function countPlaced(em: EntityManager): void {
  whenCommitted(em, (m) => m.placed.inc());
}

/**
 * The order went from `from` to `to` on `em`. `createdAt`: for the confirmation latency;
 * `cancelReason`: for a cancellation.
 */
export function countTransition(
  em: EntityManager,
  change: { from: OrderStatus; to: OrderStatus; createdAt?: Date; cancelReason?: CancelReason },
): void {
  const at = Date.now();
  whenCommitted(em, (m) => {
    m.transitions.inc({ from: change.from, to: change.to });
    if (change.to === 'CANCELLED') m.cancelled.inc({ reason: change.cancelReason ?? 'admin' });
    if (change.to === 'CONFIRMED' && change.createdAt)
      m.confirmation.observe(Math.max(0, (at - change.createdAt.getTime()) / 1000));
  });
}

/**
 * The PENDING backlog, one query per scrape for both gauges (the (status, created_at) index answers
 * it). A failing query keeps the gauges' last values and is logged: /metrics keeps answering.
 */
function pendingReader(orm: MikroORM, logger: Logger) {
  let inflight: Promise<{ count: number; oldestSeconds: number } | undefined> | undefined;
  const read = async () => {
    try {
      const em = orm.em.fork();
      const [row] = await em.execute(
        `select count(*)::int as count,
                coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest
           from ${schemaOf(em)}.orders where status = 'PENDING'`,
      );
      return { count: Number(row.count), oldestSeconds: Math.max(0, Number(row.oldest)) };
    } catch (err) {
      logger.warn(
        { err },
        'orders metrics: cannot count the pending orders; the gauges keep their last values',
      );
      return undefined;
    }
  };
  return () => {
    inflight ??= read().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
}
