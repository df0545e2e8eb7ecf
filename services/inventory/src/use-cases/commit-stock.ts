// order.shipped: the parcel left, so what was held is no longer on hand.
import type { OrderStatusChanged } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { shipped } from '../domain/stock-changes.ts';
import { lockOrder, readOrderState, setReservationStatus } from '../persistence/stock-ledger.ts';
import { type LedgerDeps, optimistically, reservationIds } from './ledger.ts';

/** Runs in the consumer's transaction (`em`): the hold becomes a deduction of on hand. */
export async function commitStock(
  em: EntityManager,
  input: { shipment: OrderStatusChanged },
  deps: LedgerDeps,
): Promise<void> {
  const { orderId } = input.shipment;
  await lockOrder(em, orderId);
  const { held } = await readOrderState(em, orderId);
  if (held.length === 0) return;
  await optimistically(
    em,
    deps,
    held.map((l) => l.productId),
    () => ({ changes: shipped(held), outcome: null }),
  );
  await setReservationStatus(em, reservationIds(held), 'COMMITTED', null);
}
