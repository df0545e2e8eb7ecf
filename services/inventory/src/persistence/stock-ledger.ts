// Reads and writes stock rows for the reservation use cases in plain SQL: this is the hot path (one
// stock row may be wanted by hundreds of orders a second), and what limits it is the time between
// reading a row's version and committing the write that bumps it — so every round trip in that
// window counts. Writes are optimistic: `where version = <the version read>`; a row changed since
// the read matches nothing, and the caller reads again and decides again.
//
// The events a reservation emits are inserted into the outbox IN THE SAME STATEMENT as the stock
// change (rather than by @mercato/messaging's addToOutbox, which flushes them at commit): a hot
// row's lock is then held for the commit alone. Measured here with two replicas, 200 orders for
// 50 units: ~220 orders/s against ~130 with addToOutbox. The INSERT is the lib's outboxInsert, the
// same row addToOutbox writes, made conditional on every stock row having matched.
//
// Each product whose rows change also has its `product_level` version bumped in that statement,
// checked like a row version: the rows of a product in other stores may not have moved since they
// were read either, and the level announced later (workers/level-publisher.ts) is read together with
// the version, so each announced level is exactly the one of its version.
import type { AllocatedStore } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { type Envelope, outboxInsert } from '@mercato/messaging';
import type { Pick, StockLevel } from '../domain/allocation.ts';
import type { StockChange } from '../domain/stock-changes.ts';

interface StockRow {
  id: string;
  product_id: string;
  store_id: string;
  on_hand: number;
  reserved: number;
  version: number;
  low_stock_threshold: number;
  level_version: string | null;
  store_code: string;
  store_name: string;
  store_address: string | null;
}

/**
 * Every store's row of the products read, each product's level version read with them, and the
 * stores of those rows (by id).
 */
export interface StockRead {
  rows: StockLevel[];
  levelVersions: ReadonlyMap<string, number>;
  stores: ReadonlyMap<string, AllocatedStore>;
}

export const NOTHING_READ: StockRead = { rows: [], levelVersions: new Map(), stores: new Map() };

/**
 * A PostgreSQL array literal ('{a,b}') for uuids and integers: MikroORM's `execute` would spread a
 * JS array into a list of placeholders, and a literal keeps the statement text the same for any count.
 */
const pgArray = (values: readonly (string | number)[]): string => `{${values.join(',')}}`;

const toLevel = (r: StockRow): StockLevel => ({
  id: r.id,
  productId: r.product_id,
  storeId: r.store_id,
  onHand: r.on_hand,
  reserved: r.reserved,
  version: r.version,
  lowStockThreshold: r.low_stock_threshold,
});

const storeOf = (r: StockRow): AllocatedStore => ({
  storeId: r.store_id,
  code: r.store_code,
  name: r.store_name,
  ...(r.store_address === null ? {} : { address: r.store_address }),
});

export async function readStock(em: EntityManager, productIds: readonly string[]): Promise<StockRead> {
  if (productIds.length === 0) return NOTHING_READ;
  // One statement, so the rows and the level versions are of one snapshot. The stores are joined
  // here (stock.reserved names where the held units are: shipping's senders) rather than read in
  // another round trip or kept in a per-process cache: the join costs a primary-key lookup per row
  // of a small table, a cache would need every replica told of a store's change. A stock row
  // always has its store (a foreign key).
  const rows: StockRow[] = await em.execute(
    `select s.id, s.product_id, s.store_id, s.on_hand, s.reserved, s.version, s.low_stock_threshold,
            l.version as level_version, st.code as store_code, st.name as store_name,
            st.address as store_address
       from stock s join store st on st.id = s.store_id
            left join product_level l on l.product_id = s.product_id
      where s.product_id = any(?::uuid[]) order by s.product_id, s.store_id`,
    [pgArray(productIds)],
  );
  return toStockRead(rows);
}

function toStockRead(rows: StockRow[]): StockRead {
  const levelVersions = new Map<string, number>();
  const stores = new Map<string, AllocatedStore>();
  for (const r of rows) {
    if (r.level_version !== null) levelVersions.set(r.product_id, Number(r.level_version));
    if (!stores.has(r.store_id)) stores.set(r.store_id, storeOf(r));
  }
  return { rows: rows.map(toLevel), levelVersions, stores };
}

/** What an order's state looks like to inventory, read in one round trip. */
export interface OrderState {
  lastRevision: number | null;
  cancelled: boolean;
  /** lines of the reservations currently held for the order */
  held: { reservationId: string; revision: number; stockId: string; productId: string; quantity: number }[];
}

export async function readOrderState(em: EntityManager, orderId: string): Promise<OrderState> {
  const [row] = await em.execute<
    { last_revision: number | null; cancelled: boolean; held: OrderState['held'] }[]
  >(
    `select (select max(revision) from reservation where order_id = ?) as last_revision,
            exists (select 1 from cancelled_order where order_id = ?) as cancelled,
            coalesce((select json_agg(json_build_object('reservationId', r.id, 'revision', r.revision,
                        'stockId', l.stock_id, 'productId', l.product_id, 'quantity', l.quantity))
                        from reservation r join reservation_line l on l.reservation_id = r.id
                       where r.order_id = ? and r.status = 'HELD'),
                     '[]'::json) as held`,
    [orderId, orderId, orderId],
  );
  return { lastRevision: row!.last_revision, cancelled: row!.cancelled, held: row!.held };
}

type OrderAndStockRow = Partial<StockRow> & {
  last_revision: number | null;
  cancelled: boolean;
  held: OrderState['held'];
};

/**
 * readOrderState and readStock in ONE statement, of one snapshot (call it after lockOrder): the
 * order's state, and every store's row of `productIds` and of the products the order holds. A
 * reservation makes this read on every order, and on this machine each statement's round trip costs
 * more than what the statement does; the rows it reads serve the first decision (a conflict reads
 * the stock again with readStock).
 */
export async function readOrderAndStock(
  em: EntityManager,
  orderId: string,
  productIds: readonly string[],
): Promise<{ state: OrderState; stock: StockRead }> {
  const rows = await em.execute<OrderAndStockRow[]>(
    `with held as (
       select r.id, r.revision, l.stock_id, l.product_id, l.quantity
         from reservation r join reservation_line l on l.reservation_id = r.id
        where r.order_id = ? and r.status = 'HELD'),
     state as (
       select (select max(revision) from reservation where order_id = ?) as last_revision,
              exists (select 1 from cancelled_order where order_id = ?) as cancelled,
              coalesce((select json_agg(json_build_object('reservationId', h.id, 'revision', h.revision,
                          'stockId', h.stock_id, 'productId', h.product_id, 'quantity', h.quantity))
                          from held h),
                       '[]'::json) as held),
     -- One array for "= any", as readStock has it: the index on (product_id, store_id) answers it
     -- (an OR of two conditions, or a join to an unnested list, was planned as a scan of every row).
     rows as (
       select s.id, s.product_id, s.store_id, s.on_hand, s.reserved, s.version, s.low_stock_threshold,
              l.version as level_version, st.code as store_code, st.name as store_name,
              st.address as store_address
         from stock s join store st on st.id = s.store_id
              left join product_level l on l.product_id = s.product_id
        where s.product_id = any(array_cat(?::uuid[], (select array_agg(product_id) from held))))
     select state.last_revision, state.cancelled, state.held, r.*
       from state left join rows r on true
      order by r.product_id, r.store_id`,
    [orderId, orderId, orderId, pgArray(productIds)],
  );
  const first = rows[0]!;
  const state: OrderState = {
    lastRevision: first.last_revision,
    cancelled: first.cancelled,
    held: first.held,
  };
  const stockRows = rows.filter((r): r is OrderAndStockRow & StockRow => r.id != null);
  return { state, stock: toStockRead(stockRows) };
}

export interface NewReservation {
  id: string;
  orderId: string;
  revision: number;
  userId: string;
  status: 'HELD' | 'REJECTED' | 'RELEASED';
  reason: string | null;
  lines: (Pick & { id: string })[];
}

let savepoints = 0;

function levelVersionRead(read: StockRead, productId: string): number {
  const version = read.levelVersions.get(productId);
  if (version === undefined) throw new Error(`product ${productId} has stock rows but no product_level row`);
  return version;
}

/**
 * In ONE statement: bumps the level version of every product the changes touch, if still the one
 * read; then applies the stock changes to rows whose version is still the one read and, only if
 * everything matched, records the reservation with its lines and adds the events to the outbox.
 * Returns false when anything had moved on — then nothing is changed and the caller decides again
 * on fresh rows.
 */
export async function writeIfUnchanged(
  em: EntityManager,
  read: StockRead,
  changes: ReadonlyMap<string, StockChange>,
  reservation?: NewReservation,
  events: readonly Envelope[] = [],
): Promise<boolean> {
  const ids: string[] = [];
  const reserved: number[] = [];
  const onHand: number[] = [];
  const versions: number[] = [];
  const products = new Set<string>();
  for (const [id, change] of changes) {
    const row = read.rows.find((r) => r.id === id);
    if (!row) throw new Error(`stock row ${id} was not read before being changed`);
    ids.push(id);
    reserved.push(change.reserved);
    onHand.push(change.onHand);
    versions.push(row.version);
    products.add(row.productId);
  }
  // In product order, so two writers of the same products lock their levels alike.
  const productIds = [...products].sort();
  const levelVersions = productIds.map((id) => levelVersionRead(read, id));
  const lines = reservation?.lines ?? [];
  const params: unknown[] = [
    pgArray(productIds),
    pgArray(levelVersions),
    productIds.length,
    pgArray(ids),
    pgArray(reserved),
    pgArray(onHand),
    pgArray(versions),
    ids.length,
  ];
  let insert = '';
  if (reservation) {
    insert = `,
      saved as (
        insert into reservation (id, order_id, revision, user_id, status, reason, created_at, updated_at)
        select ?, ?, ?, ?, ?, ?, now(), now() from written where written.ok
        returning id),
      saved_lines as (
        insert into reservation_line (id, reservation_id, stock_id, product_id, store_id, quantity)
        select l.id, saved.id, l.stock_id, l.product_id, l.store_id, l.quantity
          from saved, unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::uuid[], ?::int[])
                      as l(id, stock_id, product_id, store_id, quantity))`;
    params.push(
      reservation.id,
      reservation.orderId,
      reservation.revision,
      reservation.userId,
      reservation.status,
      reservation.reason,
      pgArray(lines.map((l) => l.id)),
      pgArray(lines.map((l) => l.stockId)),
      pgArray(lines.map((l) => l.productId)),
      pgArray(lines.map((l) => l.storeId)),
      pgArray(lines.map((l) => l.quantity)),
    );
  }
  if (events.length > 0) {
    const published = outboxInsert(em, events, { from: 'written', where: 'written.ok' });
    insert += `,
      published as (${published.sql})`;
    params.push(...published.params);
  }
  // The levels first: a stock row is only written once its product's level matched (and is locked
  // by this transaction), so no writer of the product can slip in between.
  const statement = `with
      levels as (
        update product_level l set version = l.version + 1
          from unnest(?::uuid[], ?::int8[]) as p(product_id, version)
         where l.product_id = p.product_id and l.version = p.version
        returning l.product_id),
      matched as (select count(*) = ? as ok from levels),
      changed as (
        update stock s
           set reserved = s.reserved + c.reserved, on_hand = s.on_hand + c.on_hand,
               version = s.version + 1, updated_at = now()
          from unnest(?::uuid[], ?::int[], ?::int[], ?::int[]) as c(id, reserved, on_hand, version), matched
         where matched.ok and s.id = c.id and s.version = c.version
        returning s.id),
      written as (select matched.ok as levels_ok, matched.ok and (select count(*) from changed) = ? as ok
                    from matched)${insert}
    select written.ok, written.levels_ok from written`;
  // One product is all-or-nothing by itself (its level matches or nothing is written); several
  // need a savepoint to undo a partial match of their levels.
  const savepoint = productIds.length > 1 ? `stock_write_${++savepoints}` : undefined;
  if (savepoint) await em.execute(`savepoint ${savepoint}`);
  const [result] = await em.execute<{ ok: boolean; levels_ok: boolean }[]>(statement, params);
  if (result!.ok) {
    if (savepoint) await em.execute(`release savepoint ${savepoint}`);
    return true;
  }
  // Every writer of a stock row bumps its product's level in the same transaction: a row that moved
  // under a level that did not is a bug, and the transaction (levels bumped, rows not) must not commit.
  if (result!.levels_ok)
    throw new Error('stock rows changed without their product_level: refusing the write');
  if (savepoint) await em.execute(`rollback to savepoint ${savepoint}`);
  return false;
}

/** In SQL rather than on entities, alongside the stock write it belongs to. */
export async function setReservationStatus(
  em: EntityManager,
  reservationIds: readonly string[],
  status: 'RELEASED' | 'COMMITTED',
  reason: string | null,
): Promise<void> {
  if (reservationIds.length === 0) return;
  await em.execute(
    `update reservation set status = ?, reason = coalesce(?, reason), updated_at = now()
      where id = any(?::uuid[])`,
    [status, reason, pgArray(reservationIds)],
  );
}

/**
 * Handlers of one order run one at a time (whichever replica runs them): otherwise a cancellation
 * could look for a hold that a concurrent reservation has not committed yet, and miss it.
 */
export async function lockOrder(em: EntityManager, orderId: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`inventory.order.${orderId}`]);
}

/**
 * lockOrder without waiting: false when another transaction holds the order (reclaiming a declined
 * hold skips such an order rather than wait on it, so two reservations cannot deadlock).
 */
export async function tryLockOrder(em: EntityManager, orderId: string): Promise<boolean> {
  const [row] = await em.execute<{ locked: boolean }[]>(
    'select pg_try_advisory_xact_lock(hashtextextended(?, 0)) as locked',
    [`inventory.order.${orderId}`],
  );
  return row!.locked;
}

/** Remembers a cancelled order, so an order.placed still on its way is answered by a release. */
export async function rememberCancelled(em: EntityManager, orderId: string, reason: string): Promise<void> {
  await em.execute(
    'insert into cancelled_order (order_id, reason, cancelled_at) values (?, ?, now()) on conflict do nothing',
    [orderId, reason],
  );
}
