// What account erasure (user.erased) changes in invoices' tables, in the consumer's transaction.
import type { EntityManager } from '@mercato/db';

/**
 * Removes the address snapshot from the read model of the user's orders that need it no more: those
 * already invoiced (the invoice keeps its own copy) and those without a captured payment (no invoice
 * is due). An order paid but not invoiced yet keeps it, so that its invoice, which the law requires,
 * is still issued with the buyer's address. Returns how many rows changed.
 */
export async function eraseOrderViewAddresses(em: EntityManager, userId: string): Promise<number> {
  const rows: unknown[] = await em.execute(
    `update order_view v set billing_address = null
     where v.user_id = ? and v.billing_address is not null
       and (exists (select 1 from invoice i where i.order_id = v.order_id)
            or not exists (select 1 from order_payment p where p.order_id = v.order_id))
     returning v.order_id`,
    [userId],
  );
  return rows.length;
}
