// What inventory does when the order flow speaks. Each handler runs in the consumer's one
// transaction (with the inbox row and the outbox rows), checks its own state first (DESIGN.md
// "Races the flow must survive"), and changes stock rows only through the optimistic ledger.
import type {
  OrderCancelled,
  OrderPlaced,
  OrderStatusChanged,
  StockLow,
  StockRejected,
  StockReleased,
  StockReserved,
} from '@mercato/contracts';
import { addToOutbox, type Envelope, envelope } from '@mercato/messaging';
import { OptimisticLockError } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from 'uuidv7';
import {
  type Allocation,
  allocate,
  fellToThreshold,
  productLevel,
  reservedDeltas,
  type StockLevel,
} from '../domain/allocation.ts';
import {
  type NewReservation,
  readOrderState,
  readStock,
  type StockChange,
  setReservationStatus,
  writeIfUnchanged,
} from '../domain/stock-ledger.ts';

export const SOURCE = 'inventory';

export interface ReservationOptions {
  /** in-process tries of one optimistic write before the message goes the consumer's retry way */
  maxAttempts?: number;
  /** called with the products whose levels this transaction changed (the cache drops them on commit) */
  touched(em: EntityManager, productIds: Iterable<string>): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Decision<T> = {
  changes: Map<string, StockChange>;
  outcome: T;
  reservation?: NewReservation;
  events?: Envelope[];
};

/**
 * Read, decide, write-if-unchanged; on a version conflict read again after a short random pause so
 * the competitors of a hot row spread out instead of colliding again in lockstep. Bounded: after
 * `maxAttempts` the OptimisticLockError sends the message to the consumer's own retries.
 */
async function optimistically<T>(
  em: EntityManager,
  productIds: Iterable<string>,
  maxAttempts: number,
  decide: (rows: StockLevel[]) => Decision<T>,
): Promise<Decision<T> & { rows: StockLevel[] }> {
  const ids = [...new Set(productIds)];
  for (let attempt = 1; ; attempt++) {
    const rows = await readStock(em, ids);
    const decision = decide(rows);
    if (await writeIfUnchanged(em, rows, decision.changes, decision.reservation, decision.events))
      return { rows, ...decision };
    if (attempt >= maxAttempts) throw OptimisticLockError.lockFailed('Stock');
    await sleep(Math.random() * Math.min(attempt, 10));
  }
}

function reservedOnly(deltas: Map<string, number>): Map<string, StockChange> {
  return new Map([...deltas].map(([id, reserved]) => [id, { reserved, onHand: 0 }]));
}

function afterChanges(rows: StockLevel[], changes: Map<string, StockChange>): StockLevel[] {
  return rows.map((r) => {
    const c = changes.get(r.id);
    return c ? { ...r, reserved: r.reserved + c.reserved, onHand: r.onHand + c.onHand } : r;
  });
}

function lowStockEvents(
  before: StockLevel[],
  changes: Map<string, StockChange>,
  causationId: string | undefined,
): Envelope<StockLow>[] {
  const after = afterChanges(before, changes);
  const products = new Set(before.filter((r) => changes.has(r.id)).map((r) => r.productId));
  const events: Envelope<StockLow>[] = [];
  for (const productId of products) {
    const was = productLevel(productId, before);
    const now = productLevel(productId, after);
    if (!fellToThreshold(was, now)) continue;
    const data: StockLow = { productId, available: now.available, threshold: now.lowStockThreshold };
    events.push(envelope('stock.low', data, { source: SOURCE, causationId }));
  }
  return events;
}

function touchedProducts(rows: StockLevel[], changes: Map<string, StockChange>): string[] {
  return rows.filter((r) => changes.has(r.id)).map((r) => r.productId);
}

/**
 * Handlers of one order run one at a time (whichever replica runs them): otherwise a cancellation
 * could look for a hold that a concurrent reservation has not committed yet, and miss it.
 */
async function lockOrder(em: EntityManager, orderId: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`inventory.order.${orderId}`]);
}

const reservationIds = (held: { reservationId: string }[]) => [...new Set(held.map((l) => l.reservationId))];

export function reservationHandlers(opts: ReservationOptions) {
  const maxAttempts = opts.maxAttempts ?? 50;

  async function released(em: EntityManager, event: Envelope, orderId: string, reason: string) {
    const data: StockReleased = { orderId, reason };
    await addToOutbox(
      em,
      envelope('stock.released', data, { source: SOURCE, correlationId: orderId, causationId: event.id }),
    );
  }

  /** order.placed and order.lines_changed: all lines or none, for exactly one revision. */
  async function reserve(event: Envelope, em: EntityManager): Promise<void> {
    const order = event.data as OrderPlaced;
    const meta = { source: SOURCE, correlationId: order.orderId, causationId: event.id };
    await lockOrder(em, order.orderId);
    const state = await readOrderState(em, order.orderId);
    // This revision was answered (a redelivery under a new id), or a newer one already replaced it.
    if (state.lastRevision !== null && state.lastRevision >= order.revision) return;
    const reservation = (status: NewReservation['status'], reason: string | null): NewReservation => ({
      id: uuidv7(),
      orderId: order.orderId,
      revision: order.revision,
      userId: order.userId,
      status,
      reason,
      lines: [],
    });

    if (state.cancelled) {
      // order.cancelled overtook order.placed: holding stock now would lock it up for nobody.
      await writeIfUnchanged(em, [], new Map(), reservation('RELEASED', 'order_cancelled'));
      await released(em, event, order.orderId, 'order_cancelled');
      return;
    }

    // A lines change gives back the older revision's hold in the same write that takes the new one.
    const held = state.held;
    const productIds = [...order.lines.map((l) => l.productId), ...held.map((l) => l.productId)];
    // The events are decided with the stock change and written in the same statement: a hot row's
    // lock is then held for the commit alone.
    const result = await optimistically<Allocation>(em, productIds, maxAttempts, (rows) => {
      const afterRelease = afterChanges(rows, reservedOnly(reservedDeltas(held, [])));
      const allocation = allocate(order.lines, afterRelease);
      if (!allocation.ok) {
        const changes = reservedOnly(reservedDeltas(held, []));
        const data: StockRejected = {
          orderId: order.orderId,
          userId: order.userId,
          revision: order.revision,
          shortLines: allocation.shortLines,
        };
        return {
          changes,
          outcome: allocation,
          reservation: reservation('REJECTED', 'out_of_stock'),
          events: [envelope('stock.rejected', data, meta), ...lowStockEvents(rows, changes, event.id)],
        };
      }
      const changes = reservedOnly(reservedDeltas(held, allocation.picks));
      const data: StockReserved = {
        orderId: order.orderId,
        userId: order.userId,
        revision: order.revision,
        lines: order.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
        total: order.total,
        paymentMethod: order.paymentMethod,
      };
      return {
        changes,
        outcome: allocation,
        reservation: {
          ...reservation('HELD', null),
          lines: allocation.picks.map((p) => ({ ...p, id: uuidv7() })),
        },
        events: [envelope('stock.reserved', data, meta), ...lowStockEvents(rows, changes, event.id)],
      };
    });
    await setReservationStatus(em, reservationIds(held), 'RELEASED', 'lines_changed');
    opts.touched(em, touchedProducts(result.rows, result.changes));
  }

  /** Gives back everything the order holds (any revision) and says so with stock.released. */
  async function release(em: EntityManager, event: Envelope, orderId: string, reason: string): Promise<void> {
    const { held } = await readOrderState(em, orderId);
    if (held.length === 0) return;
    const result = await optimistically(
      em,
      held.map((l) => l.productId),
      maxAttempts,
      () => ({ changes: reservedOnly(reservedDeltas(held, [])), outcome: null }),
    );
    await setReservationStatus(em, reservationIds(held), 'RELEASED', reason);
    await released(em, event, orderId, reason);
    opts.touched(em, touchedProducts(result.rows, result.changes));
  }

  /**
   * The only end of a hold short of shipping: whatever the reason (out of stock, the customer, the
   * timeout, an admin, or a payment that failed and was not retried in time). A declined payment
   * alone releases nothing: the order may still be paid within orders' retry window.
   */
  async function orderCancelled(event: Envelope, em: EntityManager): Promise<void> {
    const data = event.data as OrderCancelled;
    await lockOrder(em, data.orderId);
    // Remembered first, so an order.placed still on its way is answered by a release (see reserve).
    await em.execute(
      'insert into cancelled_order (order_id, reason, cancelled_at) values (?, ?, now()) on conflict do nothing',
      [data.orderId, data.reason],
    );
    await release(em, event, data.orderId, `order_cancelled:${data.reason}`);
  }

  /** The parcel left: what was held is no longer on hand. */
  async function orderShipped(event: Envelope, em: EntityManager): Promise<void> {
    const data = event.data as OrderStatusChanged;
    await lockOrder(em, data.orderId);
    const { held } = await readOrderState(em, data.orderId);
    if (held.length === 0) return;
    const result = await optimistically(
      em,
      held.map((l) => l.productId),
      maxAttempts,
      () => {
        const changes = new Map<string, StockChange>();
        for (const l of held) {
          const c = changes.get(l.stockId) ?? { reserved: 0, onHand: 0 };
          changes.set(l.stockId, { reserved: c.reserved - l.quantity, onHand: c.onHand - l.quantity });
        }
        return { changes, outcome: null };
      },
    );
    await setReservationStatus(em, reservationIds(held), 'COMMITTED', null);
    opts.touched(em, touchedProducts(result.rows, result.changes));
  }

  return { reserve, orderCancelled, orderShipped };
}
