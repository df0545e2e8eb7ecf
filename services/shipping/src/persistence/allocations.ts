// What shipping holds about an order until its shipments exist: the allocations of stock.reserved and
// the address and priced lines of order.confirmed. The row is locked (FOR UPDATE) by each consumer
// that changes it, so stock.reserved and order.confirmed handled at once by two consumers are
// serialised: whichever commits second sees both halves and creates the shipments.
import type { AllocatedStore, ServiceLevel, StoreAllocation } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { OrderAddress, OrderLineFacts } from '../domain/shipments.ts';
import { table } from './shipments-sql.ts';

export interface ShippingOrder {
  orderId: string;
  userId: string;
  allocationRevision: number | null;
  allocations: StoreAllocation[] | null;
  stores: AllocatedStore[] | null;
  confirmedRevision: number | null;
  shippingAddress: OrderAddress | null;
  lines: OrderLineFacts[] | null;
  level: ServiceLevel | null;
  shipmentsCreatedAt: Date | null;
  cancelledAt: Date | null;
}

interface Row {
  order_id: string;
  user_id: string;
  allocation_revision: number | null;
  allocations: StoreAllocation[] | null;
  stores: AllocatedStore[] | null;
  confirmed_revision: number | null;
  shipping_address: OrderAddress | null;
  lines: OrderLineFacts[] | null;
  level: ServiceLevel | null;
  shipments_created_at: Date | null;
  cancelled_at: Date | null;
}

const fromRow = (r: Row): ShippingOrder => ({
  orderId: r.order_id,
  userId: r.user_id,
  allocationRevision: r.allocation_revision,
  allocations: r.allocations,
  stores: r.stores,
  confirmedRevision: r.confirmed_revision,
  shippingAddress: r.shipping_address,
  lines: r.lines,
  level: r.level,
  shipmentsCreatedAt: r.shipments_created_at ? new Date(r.shipments_created_at) : null,
  cancelledAt: r.cancelled_at ? new Date(r.cancelled_at) : null,
});

/** The order's row, created empty if missing, locked for this transaction. */
export async function lockShippingOrder(
  em: EntityManager,
  orderId: string,
  userId: string,
): Promise<ShippingOrder> {
  const t = table(em, 'shipping_order');
  // Read first: the order's second event (stock.reserved or order.confirmed, whichever comes later)
  // finds the row in one statement.
  const lock = () => em.execute<Row[]>(`select * from ${t} where order_id = ? for update`, [orderId]);
  const [found] = await lock();
  if (found) return fromRow(found);
  // A concurrent insert of the same order makes this wait for its commit, then do nothing: the row
  // is read again (a new statement sees that commit).
  const [created] = await em.execute<Row[]>(
    `insert into ${t} (order_id, user_id) values (?, ?) on conflict (order_id) do nothing returning *`,
    [orderId, userId],
  );
  const row = created ?? (await lock())[0];
  if (!row) throw new Error(`shipping_order ${orderId} vanished`);
  return fromRow(row);
}

/** The order's row, read only (returns look at the priced lines and the address). */
export async function findShippingOrder(
  em: EntityManager,
  orderId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ShippingOrder | undefined> {
  const [row] = await em.execute<Row[]>(
    `select * from ${table(em, 'shipping_order')} where order_id = ?${opts.forUpdate ? ' for update' : ''}`,
    [orderId],
  );
  return row ? fromRow(row) : undefined;
}

export async function saveAllocations(
  em: EntityManager,
  orderId: string,
  a: { revision: number; allocations: StoreAllocation[]; stores: AllocatedStore[] },
): Promise<void> {
  await em.execute(
    `update ${table(em, 'shipping_order')} set allocation_revision = ?, allocations = ?::jsonb,
       stores = ?::jsonb, updated_at = now() where order_id = ?`,
    [a.revision, JSON.stringify(a.allocations), JSON.stringify(a.stores), orderId],
  );
}

export async function saveConfirmation(
  em: EntityManager,
  orderId: string,
  c: { revision: number; shippingAddress: OrderAddress; lines: OrderLineFacts[]; level: ServiceLevel },
): Promise<void> {
  await em.execute(
    `update ${table(em, 'shipping_order')} set confirmed_revision = ?, shipping_address = ?::jsonb,
       lines = ?::jsonb, level = ?, updated_at = now() where order_id = ?`,
    [c.revision, JSON.stringify(c.shippingAddress), JSON.stringify(c.lines), c.level, orderId],
  );
}

export async function markShipmentsCreated(em: EntityManager, orderId: string): Promise<void> {
  await em.execute(
    `update ${table(em, 'shipping_order')} set shipments_created_at = now(), updated_at = now()
     where order_id = ?`,
    [orderId],
  );
}

export async function markOrderCancelled(em: EntityManager, orderId: string): Promise<void> {
  await em.execute(
    `update ${table(em, 'shipping_order')} set cancelled_at = coalesce(cancelled_at, now()), updated_at = now()
     where order_id = ?`,
    [orderId],
  );
}
