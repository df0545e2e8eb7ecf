// Orders we learnt were cancelled: no charge for them any more, and a late capture is refunded.
import type { EntityManager } from '@mercato/db';
import { OrderCancellation } from './entities.ts';

/**
 * Remembers the cancellation (the first one wins). Raw SQL so that it is written now, not at flush:
 * callers rely on it being written before they lock the order's payments.
 */
export async function recordCancellation(em: EntityManager, orderId: string, reason: string): Promise<void> {
  await em.execute(
    'insert into order_cancellation (order_id, reason, cancelled_at) values (?, ?, now()) on conflict do nothing',
    [orderId, reason],
  );
}

export function findCancellation(em: EntityManager, orderId: string): Promise<OrderCancellation | null> {
  return em.findOne(OrderCancellation, { orderId });
}
