// The SQL of a return put back on hand (return.received). Rare next to sales, so written for
// clarity: the admin paths' order of locks (product levels first, then stock rows), not the
// reservation path's optimistic single statement.
import type { EntityManager } from '@mercato/db';

const pgArray = (values: readonly (string | number)[]): string => `{${values.join(',')}}`;

/**
 * Records the return as handled; false when it already was (the same return delivered again, under
 * any message id). A concurrent transaction with the same return waits here on the primary key
 * until the first commits, then finds it.
 */
export async function claimReturn(
  em: EntityManager,
  r: { returnId: string; orderId: string; storeId: string; receivedAt: string },
): Promise<boolean> {
  const rows = await em.execute<{ return_id: string }[]>(
    `insert into returned_stock (return_id, order_id, store_id, received_at) values (?, ?, ?, ?)
     on conflict (return_id) do nothing returning return_id`,
    [r.returnId, r.orderId, r.storeId, r.receivedAt],
  );
  return rows.length === 1;
}

/**
 * Which of the stores exist, locked (`for key share`) until the commit: a store's deletion, which
 * locks its store first (delete-store.ts), then either waits for this transaction and sees the
 * units it put there (409), or ran first and the store is not found here.
 */
export async function lockExistingStores(
  em: EntityManager,
  storeIds: readonly string[],
): Promise<Set<string>> {
  if (storeIds.length === 0) return new Set();
  const rows = await em.execute<{ id: string }[]>(
    'select id from store where id = any(?::uuid[]) order by id for key share',
    [pgArray([...new Set(storeIds)])],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * The stores the order's held or shipped units of each product were taken from, most units first
 * (then by store id, so replicas agree): where a returned unit goes back when its return's store is
 * gone.
 */
export async function originalStores(
  em: EntityManager,
  orderId: string,
  productIds: readonly string[],
): Promise<Map<string, string[]>> {
  const rows = await em.execute<{ product_id: string; store_id: string }[]>(
    `select l.product_id, l.store_id
       from reservation r join reservation_line l on l.reservation_id = r.id
      where r.order_id = ? and r.status in ('HELD', 'COMMITTED') and l.product_id = any(?::uuid[])
      group by l.product_id, l.store_id
      order by l.product_id, sum(l.quantity) desc, l.store_id`,
    [orderId, pgArray(productIds)],
  );
  const stores = new Map<string, string[]>();
  for (const r of rows) stores.set(r.product_id, [...(stores.get(r.product_id) ?? []), r.store_id]);
  return stores;
}

export interface Restock {
  /** the id of a new stock row, used when the store keeps none of the product yet */
  newStockId: string;
  productId: string;
  storeId: string;
  quantity: number;
}

/**
 * Puts the units on hand: adds them to the product's row in the store, or creates the row (nothing
 * reserved, no low-stock threshold). The caller has bumped (locked) the products' levels first.
 * Returns the stock row of each product.
 */
export async function addOnHand(
  em: EntityManager,
  restocks: readonly Restock[],
): Promise<Map<string, string>> {
  if (restocks.length === 0) return new Map();
  const rows = await em.execute<{ id: string; product_id: string }[]>(
    `insert into stock (id, product_id, store_id, on_hand)
       select * from unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::int[]) order by 2, 3
     on conflict (product_id, store_id) do update
       set on_hand = stock.on_hand + excluded.on_hand, version = stock.version + 1, updated_at = now()
     returning id, product_id`,
    [
      pgArray(restocks.map((r) => r.newStockId)),
      pgArray(restocks.map((r) => r.productId)),
      pgArray(restocks.map((r) => r.storeId)),
      pgArray(restocks.map((r) => r.quantity)),
    ],
  );
  return new Map(rows.map((r) => [r.product_id, r.id]));
}

/** The record of where each product's units went. */
export async function recordReturnedLines(
  em: EntityManager,
  returnId: string,
  lines: readonly { id: string; stockId: string; productId: string; storeId: string; quantity: number }[],
): Promise<void> {
  if (lines.length === 0) return;
  await em.execute(
    `insert into returned_stock_line (id, return_id, stock_id, product_id, store_id, quantity)
       select l.id, ?, l.stock_id, l.product_id, l.store_id, l.quantity
         from unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::uuid[], ?::int[])
              as l(id, stock_id, product_id, store_id, quantity)`,
    [
      returnId,
      pgArray(lines.map((l) => l.id)),
      pgArray(lines.map((l) => l.stockId)),
      pgArray(lines.map((l) => l.productId)),
      pgArray(lines.map((l) => l.storeId)),
      pgArray(lines.map((l) => l.quantity)),
    ],
  );
}
