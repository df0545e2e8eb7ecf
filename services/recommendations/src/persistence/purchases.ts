// Each order as learnt: what it added (its weights) and its products, so that a cancellation or a
// return takes back exactly that. An order is learnt once whatever the number of its events.
import type { EntityManager } from '@mercato/db';
import { table } from './sql.ts';

export interface LearntOrder {
  state: 'confirmed' | 'cancelled';
  weight: string;
  popularWeight: string;
}

/** Records a confirmed order; false when the order is already known (confirmed, or cancelled first). */
export async function insertConfirmed(
  em: EntityManager,
  order: {
    orderId: string;
    userId: string;
    at: Date;
    weight: string;
    popularWeight: string;
    items: ReadonlyMap<string, number>;
  },
): Promise<boolean> {
  // One statement: the items are inserted from the purchase row the CTE inserted, so none when the
  // order was known already (the foreign key is checked at the statement's end, when both are there).
  const inserted: unknown[] = await em.execute(
    `with fresh as (
       insert into ${table(em, 'purchase')} (order_id, user_id, state, at, weight, popular_weight)
       values (?, ?, 'confirmed', ?, ?::numeric, ?::numeric) on conflict (order_id) do nothing
       returning order_id)
     insert into ${table(em, 'purchase_item')} (order_id, product_id, quantity)
     select fresh.order_id, x.product_id, x.quantity
     from fresh cross join jsonb_to_recordset(?::jsonb) as x(product_id uuid, quantity integer)
     returning order_id`,
    [
      order.orderId,
      order.userId,
      order.at,
      order.weight,
      order.popularWeight,
      JSON.stringify([...order.items].map(([product_id, quantity]) => ({ product_id, quantity }))),
    ],
  );
  return inserted.length > 0;
}

/** A tombstone for an order cancelled before its confirmation arrived; false when the order is known. */
export async function insertCancelled(em: EntityManager, orderId: string, userId: string): Promise<boolean> {
  const inserted: unknown[] = await em.execute(
    `insert into ${table(em, 'purchase')} (order_id, user_id, state) values (?, ?, 'cancelled')
     on conflict (order_id) do nothing returning order_id`,
    [orderId, userId],
  );
  return inserted.length > 0;
}

export async function lockOrder(em: EntityManager, orderId: string): Promise<LearntOrder | undefined> {
  const [row] = await em.execute<{ state: LearntOrder['state']; weight: string; popular_weight: string }[]>(
    `select state, weight::text, popular_weight::text from ${table(em, 'purchase')} where order_id = ? for update`,
    [orderId],
  );
  return row && { state: row.state, weight: row.weight, popularWeight: row.popular_weight };
}

export async function markCancelled(em: EntityManager, orderId: string): Promise<void> {
  await em.execute(`update ${table(em, 'purchase')} set state = 'cancelled' where order_id = ?`, [orderId]);
}

/** The order's products not (fully) returned, with their quantities. */
export async function orderItems(
  em: EntityManager,
  orderId: string,
): Promise<{ productId: string; quantity: number; returned: number }[]> {
  const rows = await em.execute<{ product_id: string; quantity: number; returned: number }[]>(
    `select product_id, quantity, returned from ${table(em, 'purchase_item')}
     where order_id = ? order by product_id`,
    [orderId],
  );
  return rows.map((r) => ({ productId: r.product_id, quantity: r.quantity, returned: r.returned }));
}

/** Applies a return once per returnId; false when it was applied already. */
export async function claimReturn(em: EntityManager, returnId: string): Promise<boolean> {
  const inserted: unknown[] = await em.execute(
    `insert into ${table(em, 'applied_return')} (return_id) values (?) on conflict do nothing returning return_id`,
    [returnId],
  );
  return inserted.length > 0;
}

export async function addReturned(
  em: EntityManager,
  orderId: string,
  returned: ReadonlyMap<string, number>,
): Promise<void> {
  await em.execute(
    `update ${table(em, 'purchase_item')} i set returned = least(i.quantity, i.returned + x.quantity)
     from jsonb_to_recordset(?::jsonb) as x(product_id uuid, quantity integer)
     where i.order_id = ? and i.product_id = x.product_id`,
    [JSON.stringify([...returned].map(([product_id, quantity]) => ({ product_id, quantity }))), orderId],
  );
}

/** Account erasure: the customer's views go, their orders stay in the statistics without a name. */
export async function forgetUser(
  em: EntityManager,
  userId: string,
): Promise<{ views: number; orders: number }> {
  const views: unknown[] = await em.execute(
    `delete from ${table(em, 'recent_view')} where user_id = ? returning product_id`,
    [userId],
  );
  const orders: unknown[] = await em.execute(
    `update ${table(em, 'purchase')} set user_id = null where user_id = ? returning order_id`,
    [userId],
  );
  return { views: views.length, orders: orders.length };
}
