// order.shipped: the parcel left, so what was held is no longer on hand.
import type { OrderStatusChanged } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { commitHold } from '../persistence/stock-ledger.ts';
import type { LedgerDeps } from './ledger.ts';

/** Runs in the consumer's transaction (`em`): the hold becomes a deduction of on hand. */
export async function commitStock(
  em: EntityManager,
  input: { shipment: OrderStatusChanged },
  deps: LedgerDeps,
): Promise<void> {
  const { orderId } = input.shipment;
  // The lock and the whole change in one statement (commitHold). Finding nothing held may come from
  // a snapshot older than a hold the lock waited for: asked again, the answer is current (a second
  // copy of order.shipped pays that second round trip, and finds nothing again).
  let products = await commitHold(em, orderId);
  if (products.length === 0) products = await commitHold(em, orderId);
  if (products.length > 0) deps.touched(em, products);
}
