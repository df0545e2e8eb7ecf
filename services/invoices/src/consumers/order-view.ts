// order.placed / order.lines_changed → the order's read model (latest revision wins). If the order was
// paid before its details arrived, its invoice is issued now.
import type { OrderPlaced } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope } from '@mercato/messaging';
import { issueInvoice } from '../issuing.ts';

export async function handleOrderEvent(event: Envelope, em: EntityManager): Promise<void> {
  const data = event.data as OrderPlaced;
  // One statement, once per order: the upsert writes only a newer revision (no row back for an older or
  // the same revision arriving late) and says whether a capture is waiting. Usually none is (the order
  // comes before its payment), so nothing more is read.
  const rows = await em.execute<{ paid: boolean }[]>(
    `insert into order_view (order_id, user_id, revision, lines, total_amount, currency, billing_address,
       billing_address_id, updated_at)
     values (?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, now())
     on conflict (order_id) do update set user_id = excluded.user_id, revision = excluded.revision,
       lines = excluded.lines, total_amount = excluded.total_amount, currency = excluded.currency,
       billing_address = excluded.billing_address, billing_address_id = excluded.billing_address_id,
       updated_at = excluded.updated_at
       where order_view.revision < excluded.revision
     returning exists (select 1 from order_payment p where p.order_id = order_view.order_id) as paid`,
    [
      data.orderId,
      data.userId,
      data.revision,
      JSON.stringify(data.lines),
      normalizeAmount(data.total.amount),
      data.total.currency,
      // SQL null when the event has no snapshot (a stringified undefined/null would not be).
      data.shippingAddress ? JSON.stringify(data.shippingAddress) : null,
      data.shippingAddressId,
    ],
  );
  if (rows[0]?.paid) await issueInvoice(em, data.orderId, event.id);
}
