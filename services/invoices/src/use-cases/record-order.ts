// order.placed / order.lines_changed → the order's read model (latest revision wins). If the order was
// paid before its details arrived, its invoice is issued now.
import type { OrderPlaced } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { upsertOrderView } from '../persistence/order-view.ts';
import { issueInvoice } from './issue-invoice.ts';

/** In the consumer's transaction; `causationId` is the order event's id. */
export async function recordOrder(em: EntityManager, order: OrderPlaced, causationId: string): Promise<void> {
  const { paid } = await upsertOrderView(em, order);
  if (paid) await issueInvoice(em, order.orderId, { causationId });
}
