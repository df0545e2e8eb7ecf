// What the reservation use cases share: the optimistic read-decide-write loop over stock rows.
// Each use case runs in the consumer's one transaction (with the inbox row and
// the outbox rows), checks its own state first (DESIGN.md "Races the flow must survive"), and changes
// stock rows only through this loop.

import type { AllocatedStore } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope } from '@mercato/messaging';
import { OptimisticLockError } from '@mikro-orm/core';
import type { StockLevel } from '../domain/allocation.ts';
import { type StockChanges, touchedProducts } from '../domain/stock-changes.ts';
import {
  type NewReservation,
  type OrderAsRead,
  readStock,
  type StatusChange,
  type StockRead,
  writeIfUnchanged,
} from '../persistence/stock-ledger.ts';

export interface LedgerDeps {
  /** in-process tries of one optimistic write before the message goes the consumer's retry way */
  maxAttempts?: number;
  /** called with the products whose levels this transaction changed (the cache drops them on commit) */
  touched(em: EntityManager, productIds: Iterable<string>): void;
}

const DEFAULT_MAX_ATTEMPTS = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Decision<T> = {
  changes: StockChanges;
  outcome: T;
  reservation?: NewReservation;
  events?: Envelope[];
  /** reservations whose status changes with this write (a hold released, committed) */
  statusChange?: StatusChange;
};

/**
 * The order's state changed since the read that took its lock (readOrderAndStock's `lock`: that read
 * may predate the commit the lock waited for). Nothing was written: decide again on a fresh read.
 */
export class OrderMoved extends Error {
  constructor() {
    super('the order changed since it was read');
  }
}

/**
 * Read, decide, write-if-unchanged; on a version conflict read again after a short random pause so
 * the competitors of a hot row spread out instead of colliding again in lockstep. Bounded: after
 * `maxAttempts` the OptimisticLockError sends the message to the consumer's own retries.
 * Tells `deps.touched` which products changed (their levels are announced after the commit).
 * `decide` also gets the stores of the rows read (from the same statement), by id.
 */
export async function optimistically<T>(
  em: EntityManager,
  deps: LedgerDeps,
  productIds: Iterable<string>,
  decide: (rows: StockLevel[], stores: ReadonlyMap<string, AllocatedStore>) => Decision<T>,
  opts: {
    /** rows of these products already read in this transaction (readOrderAndStock): the first try's */
    firstRead?: StockRead;
    /** the write happens only if the order is still so; else OrderMoved is thrown */
    orderAsRead?: OrderAsRead;
  } = {},
): Promise<Decision<T> & { rows: StockLevel[] }> {
  const ids = [...new Set(productIds)];
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const read = attempt === 1 && opts.firstRead ? opts.firstRead : await readStock(em, ids);
    const { rows } = read;
    const decision = decide(rows, read.stores);
    // Nothing to write (a decision deferred by its caller): no round trip.
    const nothing =
      decision.changes.size === 0 &&
      !decision.reservation &&
      !decision.events?.length &&
      !decision.statusChange?.reservationIds.length;
    const touched = touchedProducts(rows, decision.changes);
    // The write happens only if none of the products' rows moved since they were read (their level
    // versions are checked, and bumped, in the same statement); deps.touched has the new levels
    // announced after the commit (coalesced: workers/level-publisher.ts).
    const outcome = nothing
      ? 'written'
      : await writeIfUnchanged(em, read, decision.changes, {
          reservation: decision.reservation,
          events: decision.events,
          statusChange: decision.statusChange,
          orderAsRead: opts.orderAsRead,
        });
    if (outcome === 'written') {
      deps.touched(em, touched);
      return { rows, ...decision };
    }
    if (outcome === 'order-moved') throw new OrderMoved();
    if (attempt >= maxAttempts) throw OptimisticLockError.lockFailed('Stock');
    await sleep(Math.random() * Math.min(attempt, 10));
  }
}

/** What `write` returns, or undefined when it threw OrderMoved (nothing was written). */
export async function unlessOrderMoved<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof OrderMoved) return undefined;
    throw err;
  }
}

export const reservationIds = (held: { reservationId: string }[]) => [
  ...new Set(held.map((l) => l.reservationId)),
];
