// order.placed and order.lines_changed: all lines or none, for exactly one revision.
import type { AllocatedStore, OrderPlaced, StockRejected, StockReserved } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { envelope } from '@mercato/messaging';
import { uuidv7 } from 'uuidv7';
import {
  type Allocation,
  allocate,
  reservedDeltas,
  type StockLevel,
  storeShares,
} from '../domain/allocation.ts';
import { afterChanges, reservedOnly } from '../domain/stock-changes.ts';
import {
  type NewReservation,
  NOTHING_READ,
  type OrderAsRead,
  type OrderState,
  readOrderAndStock,
  type StatusChange,
  type StockRead,
  writeIfUnchanged,
} from '../persistence/stock-ledger.ts';
import { lowStockEvents, SOURCE, stockReleased } from './events.ts';
import {
  type Decision,
  type LedgerDeps,
  optimistically,
  reservationIds,
  unlessOrderMoved,
} from './ledger.ts';
import { reclaimDeclinedHolds } from './reclaim-declined-holds.ts';

type Input = { order: OrderPlaced; causationId: string };

/**
 * Runs in the consumer's transaction (`em`). A redelivered order.placed, under the same or a new
 * message id, reserves nothing twice: one reservation per order and revision.
 */
export async function reserveStock(em: EntityManager, input: Input, deps: LedgerDeps): Promise<void> {
  const { orderId } = input.order;
  const productIds = input.order.lines.map((l) => l.productId);
  // The order's lock, its state and the stock of its products in one statement. Its snapshot may
  // predate the commit of another handler of the order the lock waited for: the first answer is
  // written only if the order is still as read; otherwise (rare) it is read again, under the lock.
  const first = await readOrderAndStock(em, orderId, productIds, { lock: true });
  if ((await reserveOn(em, input, deps, first, { orderId, state: first.state })) === 'answered') return;
  await reserveOn(em, input, deps, await readOrderAndStock(em, orderId, productIds));
}

/**
 * Answers the order from `read` (its state and stock). With `asRead`, the read may be stale: an answer
 * is written only if the order is still so, and 'read again' says that it was not, or that the answer
 * needs more than this read (stock short: declined holds would be reclaimed on its word).
 */
async function reserveOn(
  em: EntityManager,
  input: Input,
  deps: LedgerDeps,
  read: { state: OrderState; stock: StockRead },
  asRead?: OrderAsRead,
): Promise<'answered' | 'read again'> {
  const { order, causationId } = input;
  const { state, stock } = read;
  const meta = { source: SOURCE, correlationId: order.orderId, causationId };
  // This revision was answered (a redelivery under a new id), or a newer one already replaced it.
  // True of a stale read too: reservations are never deleted.
  if (state.lastRevision !== null && state.lastRevision >= order.revision) return 'answered';
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
    const written = await writeIfUnchanged(em, NOTHING_READ, new Map(), {
      reservation: reservation('RELEASED', 'order_cancelled'),
      events: [stockReleased(order.orderId, 'order_cancelled', causationId)],
      orderAsRead: asRead,
    });
    return written === 'written' ? 'answered' : 'read again';
  }

  // A lines change gives back the older revision's hold in the same write that takes the new one.
  const held = state.held;
  const productIds = [...order.lines.map((l) => l.productId), ...held.map((l) => l.productId)];
  const releaseHeld: StatusChange = {
    reservationIds: reservationIds(held),
    status: 'RELEASED',
    reason: 'lines_changed',
  };
  // The events are decided with the stock change and written in the same statement: a hot row's
  // lock is then held for the commit alone. `mayReclaim`: when short, write nothing yet.
  const decide = (
    rows: StockLevel[],
    stores: ReadonlyMap<string, AllocatedStore>,
    mayReclaim: boolean,
  ): Decision<Allocation> => {
    const afterRelease = afterChanges(rows, reservedOnly(reservedDeltas(held, [])));
    const allocation = allocate(order.lines, afterRelease);
    if (!allocation.ok) {
      if (mayReclaim) return { changes: new Map(), outcome: allocation };
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
        events: [envelope('stock.rejected', data, meta), ...lowStockEvents(rows, changes, causationId)],
        statusChange: releaseHeld,
      };
    }
    const changes = reservedOnly(reservedDeltas(held, allocation.picks));
    // Where the held units are, from the rows (and their stores) this decision was made on: shipping
    // sends one parcel per store, from the address given here.
    const allocations = storeShares(allocation.picks);
    const storeIds = [...new Set(allocations.map((a) => a.storeId))];
    const data: StockReserved = {
      orderId: order.orderId,
      userId: order.userId,
      revision: order.revision,
      lines: order.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
      total: order.total,
      paymentMethod: order.paymentMethod,
      allocations,
      stores: storeIds.map((id) => stores.get(id)!),
    };
    return {
      changes,
      outcome: allocation,
      reservation: {
        ...reservation('HELD', null),
        lines: allocation.picks.map((p) => ({ ...p, id: uuidv7() })),
      },
      events: [envelope('stock.reserved', data, meta), ...lowStockEvents(rows, changes, causationId)],
      statusChange: releaseHeld,
    };
  };
  const first = await unlessOrderMoved(
    optimistically(em, deps, productIds, (rows, stores) => decide(rows, stores, true), {
      firstRead: stock,
      orderAsRead: asRead,
    }),
  );
  if (!first) return 'read again';
  if (!first.outcome.ok) {
    // Short, and nothing written yet: a read that may be stale is not enough to reclaim on.
    if (asRead) return 'read again';
    // The holds of orders whose payment was declined yield (reclaim-declined-holds.ts), then the
    // order is decided for good. Only this path pays the extra round trips.
    const shortLines = first.outcome.shortLines;
    await reclaimDeclinedHolds(em, { orderId: order.orderId, shortLines, causationId }, deps);
    await optimistically(em, deps, productIds, (rows, stores) => decide(rows, stores, false));
  }
  return 'answered';
}
