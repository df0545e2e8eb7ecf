// What shipping holds about an order until its shipments exist: the allocations of stock.reserved and
// the address and priced lines of order.confirmed. The row is locked by each consumer that changes it
// (the upsert of its half, or FOR UPDATE), so stock.reserved and order.confirmed handled at once by two
// consumers are serialised: whichever commits second sees both halves and creates the shipments.
import type { AllocatedStore, ServiceLevel, StoreAllocation } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { OrderAddress, OrderLineFacts } from '../domain/shipments.ts';
import { table } from './shipments-sql.ts';
import { weightsOfAllocationsSql } from './shipments-weights.ts';

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

/** A half kept and the row as it is now: both halves, and the weights once the row is complete. */
export interface KeptHalf {
  order: ShippingOrder;
  /** grams of the allocated products the read model knows a weight of (see shipments-weights.ts) */
  weights: Map<string, number>;
}

// Each half is kept by one upsert: it creates the row, or locks it (ON CONFLICT DO UPDATE locks the
// row even when its condition refuses the update) and writes the half when the row still takes it,
// returning the row with the other half — the latest committed version, so two halves handled at
// once are serialised as a lock-then-read would, in one round trip instead of three. No row back: the
// half changes nothing (shipments created, order cancelled, an older reservation).
const keptRow = (em: EntityManager, upsert: string) =>
  `with kept as (${upsert} returning *)
   select kept.*, case when kept.shipping_address is not null and kept.shipments_created_at is null
     then ${weightsOfAllocationsSql(em, 'kept.allocations')} end as weights
   from kept`;

function keptHalf(rows: (Row & { weights: Record<string, number | string> | null })[]): KeptHalf | undefined {
  const [row] = rows;
  if (!row) return undefined;
  const weights = new Map(Object.entries(row.weights ?? {}).map(([id, grams]) => [id, Number(grams)]));
  return { order: fromRow(row), weights };
}

/** Keeps stock.reserved's half unless the row has shipments, was cancelled, or holds a newer revision. */
export async function keepAllocationsHalf(
  em: EntityManager,
  orderId: string,
  userId: string,
  a: { revision: number; allocations: StoreAllocation[]; stores: AllocatedStore[] },
): Promise<KeptHalf | undefined> {
  const t = table(em, 'shipping_order');
  return keptHalf(
    await em.execute(
      keptRow(
        em,
        `insert into ${t} as so (order_id, user_id, allocation_revision, allocations, stores)
         values (?, ?, ?, ?::jsonb, ?::jsonb)
         on conflict (order_id) do update set allocation_revision = excluded.allocation_revision,
           allocations = excluded.allocations, stores = excluded.stores, updated_at = now()
         where so.shipments_created_at is null and so.cancelled_at is null
           and (so.allocation_revision is null or so.allocation_revision <= excluded.allocation_revision)`,
      ),
      [orderId, userId, a.revision, JSON.stringify(a.allocations), JSON.stringify(a.stores)],
    ),
  );
}

/** Keeps order.confirmed's half unless the row has shipments or was cancelled. */
export async function keepConfirmationHalf(
  em: EntityManager,
  orderId: string,
  userId: string,
  c: { revision: number; shippingAddress: OrderAddress; lines: OrderLineFacts[]; level: ServiceLevel },
): Promise<KeptHalf | undefined> {
  const t = table(em, 'shipping_order');
  return keptHalf(
    await em.execute(
      keptRow(
        em,
        `insert into ${t} as so (order_id, user_id, confirmed_revision, shipping_address, lines, level)
         values (?, ?, ?, ?::jsonb, ?::jsonb, ?)
         on conflict (order_id) do update set confirmed_revision = excluded.confirmed_revision,
           shipping_address = excluded.shipping_address, lines = excluded.lines, level = excluded.level,
           updated_at = now()
         where so.shipments_created_at is null and so.cancelled_at is null`,
      ),
      [orderId, userId, c.revision, JSON.stringify(c.shippingAddress), JSON.stringify(c.lines), c.level],
    ),
  );
}

export async function markOrderCancelled(em: EntityManager, orderId: string): Promise<void> {
  await em.execute(
    `update ${table(em, 'shipping_order')} set cancelled_at = coalesce(cancelled_at, now()), updated_at = now()
     where order_id = ?`,
    [orderId],
  );
}
