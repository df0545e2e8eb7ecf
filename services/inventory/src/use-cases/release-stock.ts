// order.cancelled: the only end of a hold short of shipping, whatever the reason (out of stock, the
// customer, the timeout, an admin, or a payment that failed and was not retried in time). A
// declined payment alone releases nothing: the order may still be paid within orders' retry window.
import type { OrderCancelled } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { reservedDeltas } from '../domain/allocation.ts';
import { reservedOnly } from '../domain/stock-changes.ts';
import { lockOrder, readOrderAndStock, rememberCancelled } from '../persistence/stock-ledger.ts';
import { stockReleased } from './events.ts';
import { type LedgerDeps, optimistically, reservationIds } from './ledger.ts';

/** Runs in the consumer's transaction (`em`): gives back everything the order holds (any revision). */
export async function releaseStock(
  em: EntityManager,
  input: { cancellation: OrderCancelled; causationId: string },
  deps: LedgerDeps,
): Promise<void> {
  const { orderId, reason } = input.cancellation;
  await lockOrder(em, orderId);
  // Remembered first, so an order.placed still on its way is answered by a release (see reserveStock).
  await rememberCancelled(em, orderId, reason);
  // The hold and its stock rows in one read (the lock is held: it is current).
  const { state, stock } = await readOrderAndStock(em, orderId, []);
  const { held } = state;
  if (held.length === 0) return;
  const released = `order_cancelled:${reason}`;
  // The hold's status and stock.released go in the stock write's statement.
  await optimistically(
    em,
    deps,
    held.map((l) => l.productId),
    () => ({
      changes: reservedOnly(reservedDeltas(held, [])),
      outcome: null,
      events: [stockReleased(orderId, released, input.causationId)],
      statusChange: { reservationIds: reservationIds(held), status: 'RELEASED', reason: released },
    }),
    { firstRead: stock },
  );
}
