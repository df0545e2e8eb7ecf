// order.placed and order.lines_changed: all lines or none, for exactly one revision.
import type { AllocatedStore, OrderPlaced, StockRejected, StockReserved } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { addToOutbox, envelope } from '@mercato/messaging';
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
  lockOrder,
  type NewReservation,
  NOTHING_READ,
  readOrderAndStock,
  setReservationStatus,
  writeIfUnchanged,
} from '../persistence/stock-ledger.ts';
import { lowStockEvents, SOURCE, stockReleased } from './events.ts';
import { type Decision, type LedgerDeps, optimistically, reservationIds } from './ledger.ts';
import { reclaimDeclinedHolds } from './reclaim-declined-holds.ts';

/**
 * Runs in the consumer's transaction (`em`). A redelivered order.placed, under the same or a new
 * message id, reserves nothing twice: one reservation per order and revision.
 */
export async function reserveStock(
  em: EntityManager,
  input: { order: OrderPlaced; causationId: string },
  deps: LedgerDeps,
): Promise<void> {
  const { order, causationId } = input;
  const meta = { source: SOURCE, correlationId: order.orderId, causationId };
  await lockOrder(em, order.orderId);
  // The order's state and the stock of its products in one read: the first decision is made on it.
  const { state, stock } = await readOrderAndStock(
    em,
    order.orderId,
    order.lines.map((l) => l.productId),
  );
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
    await writeIfUnchanged(em, NOTHING_READ, new Map(), reservation('RELEASED', 'order_cancelled'));
    addToOutbox(em, stockReleased(order.orderId, 'order_cancelled', causationId));
    return;
  }

  // A lines change gives back the older revision's hold in the same write that takes the new one.
  const held = state.held;
  const productIds = [...order.lines.map((l) => l.productId), ...held.map((l) => l.productId)];
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
    };
  };
  const first = await optimistically(
    em,
    deps,
    productIds,
    (rows, stores) => decide(rows, stores, true),
    stock,
  );
  if (!first.outcome.ok) {
    // Short: the holds of orders whose payment was declined yield (reclaim-declined-holds.ts), then
    // the order is decided for good. Only this path pays the extra round trips.
    const shortLines = first.outcome.shortLines;
    await reclaimDeclinedHolds(em, { orderId: order.orderId, shortLines, causationId }, deps);
    await optimistically(em, deps, productIds, (rows, stores) => decide(rows, stores, false));
  }
  await setReservationStatus(em, reservationIds(held), 'RELEASED', 'lines_changed');
}
