// The hot path's write: the order, its items, the first history entry, the order.placed outbox row
// and the Idempotency-Key record go to PostgreSQL as ONE statement (data-modifying CTEs), which is
// atomic on its own. One round trip instead of BEGIN + five INSERTs + COMMIT keeps the connection
// held for the shortest time, which is what latency at 50 concurrent requests depends on.
import type { EntityManager } from '@mercato/db';
import { type Envelope, outboxRow } from '@mercato/messaging';
import type { ItemFields, OrderFields } from './orders.ts';
import { schemaOf } from './sql.ts';

export interface Placement {
  order: OrderFields;
  items: readonly ItemFields[];
  historyId: string;
  event: Envelope;
  idempotency?: { key: string; fingerprint: string; statusCode: number; response: unknown };
}

export async function insertPlacement(em: EntityManager, p: Placement): Promise<void> {
  const s = schemaOf(em);
  const { order } = p;
  // The outbox row as addToOutbox would write it (with this request's trace context), inserted by
  // the same statement as the order.
  const outbox = outboxRow(p.event);
  const at = order.createdAt.toISOString();
  const items = p.items.map((i) => ({
    id: i.id,
    product_id: i.productId,
    product_name: i.productName,
    quantity: i.quantity,
    unit_amount: i.unitAmount,
  }));
  const params: unknown[] = [
    order.id,
    order.userId,
    order.status,
    order.revision,
    order.totalAmount,
    order.currency,
    order.shippingAddressId,
    JSON.stringify(order.paymentMethod),
    at,
    order.updatedAt.toISOString(),
    order.id,
    order.currency,
    at,
    JSON.stringify(items),
    p.historyId,
    order.id,
    order.status,
    at,
    outbox.id,
    outbox.type,
    JSON.stringify(outbox.payload),
    JSON.stringify(outbox.headers),
    at,
  ];
  let last = 'select 1';
  if (p.idempotency) {
    last = `insert into ${s}.idempotency_key (user_id, key, fingerprint, status_code, response, created_at)
      values (?, ?, ?, ?, ?::jsonb, ?::timestamptz)`;
    params.push(
      order.userId,
      p.idempotency.key,
      p.idempotency.fingerprint,
      p.idempotency.statusCode,
      JSON.stringify(p.idempotency.response),
      at,
    );
  }
  await em.execute(
    `with new_order as (
       insert into ${s}.orders (id, user_id, status, revision, total_amount, currency, shipping_address_id,
         payment_method, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::timestamptz, ?::timestamptz)
     ), new_items as (
       insert into ${s}.order_item (id, order_id, product_id, product_name, quantity, unit_amount, currency, created_at)
       select x.id, ?, x.product_id, x.product_name, x.quantity, x.unit_amount, ?, ?::timestamptz
       from jsonb_to_recordset(?::jsonb) as x(id uuid, product_id uuid, product_name text, quantity integer,
         unit_amount numeric)
     ), new_history as (
       insert into ${s}.order_status_history (id, order_id, from_status, to_status, at, cause)
       values (?, ?, null, ?, ?::timestamptz, 'placed')
     ), new_event as (
       insert into ${s}.outbox (id, type, payload, headers, created_at)
       values (?, ?, ?::jsonb, ?::jsonb, ?::timestamptz)
     )
     ${last}`,
    params,
  );
}
