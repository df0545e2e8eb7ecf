// order_view: what invoices keeps of each order (latest revision wins).
import { normalizeAmount, type OrderPlaced } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';

/**
 * One statement, once per order: the upsert writes only a newer revision (no row back for an older or
 * the same revision arriving late) and says whether a capture is waiting. Usually none is (the order
 * comes before its payment), so nothing more is read.
 */
export async function upsertOrderView(em: EntityManager, order: OrderPlaced): Promise<{ paid: boolean }> {
  const rows = await em.execute<{ paid: boolean }[]>(
    `insert into order_view (order_id, user_id, revision, lines, total_amount, currency, billing_address,
       billing_address_id, shipping, updated_at)
     values (?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?::jsonb, now())
     on conflict (order_id) do update set user_id = excluded.user_id, revision = excluded.revision,
       lines = excluded.lines, total_amount = excluded.total_amount, currency = excluded.currency,
       billing_address = excluded.billing_address, billing_address_id = excluded.billing_address_id,
       shipping = excluded.shipping, updated_at = excluded.updated_at
       where order_view.revision < excluded.revision
     returning exists (select 1 from order_payment p where p.order_id = order_view.order_id) as paid`,
    [
      order.orderId,
      order.userId,
      order.revision,
      JSON.stringify(order.lines),
      normalizeAmount(order.total.amount),
      order.total.currency,
      // SQL null when the event has no snapshot (a stringified undefined/null would not be).
      order.shippingAddress ? JSON.stringify(order.shippingAddress) : null,
      order.shippingAddressId,
      // The shipping line (its price is in the total); SQL null when the order has none.
      order.shipping ? JSON.stringify(order.shipping) : null,
    ],
  );
  return { paid: rows[0]?.paid === true };
}
