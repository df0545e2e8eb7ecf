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

/** The key of an order's advisory lock (hashed to the lock's number in SQL). */
const orderLockKey = (orderId: string) => `inventory.order.${orderId}`;

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

/** What an order's state looks like to inventory (readOrderAndStock). */
export interface OrderState {
  lastRevision: number | null;
  cancelled: boolean;
  /** lines of the reservations currently held for the order */
  held: { reservationId: string; revision: number; stockId: string; productId: string; quantity: number }[];
}

type OrderAndStockRow = Partial<StockRow> & {
  last_revision: number | null;
  cancelled: boolean;
  held: OrderState['held'];
};

/**
 * The order's state and readStock in ONE statement, of one snapshot: the order's state, and every
 * store's row of `productIds` and of the products the order holds. A reservation makes this read on every
 * order, and on this machine each statement's round trip costs more than what the statement does; the
 * rows it reads serve the first decision (a conflict reads the stock again with readStock).
 *
 * `lock: true` takes the order's lock (lockOrder) in the same statement: a round trip fewer for every
 * event of an order. But the statement's snapshot is taken before the lock: if it waited for another
 * handler of the order, that handler's commit is not in what it read. So what is decided on such a
 * read is written only if the order is still as read (writeIfUnchanged's `orderAsRead`, checked by a
 * later statement, which sees every commit made before the lock was granted), and a decision that
 * writes nothing is made again on a fresh read. Without `lock`, call it with the lock held.
 */
export async function readOrderAndStock(
  em: EntityManager,
  orderId: string,
  productIds: readonly string[],
  opts: { lock?: boolean } = {},
): Promise<{ state: OrderState; stock: StockRead }> {
  // A CTE with a volatile function is evaluated once, and this one is joined: the lock is taken.
  const lock = opts.lock ? 'locked as (select pg_advisory_xact_lock(hashtextextended(?, 0))),\n     ' : '';
  const rows = await em.execute<OrderAndStockRow[]>(
    `with ${lock}held as (
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
       from ${opts.lock ? 'locked cross join ' : ''}state left join rows r on true
      order by r.product_id, r.store_id`,
    [...(opts.lock ? [orderLockKey(orderId)] : []), orderId, orderId, orderId, pgArray(productIds)],
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

function levelVersionRead(read: StockRead, productId: string): number {
  const version = read.levelVersions.get(productId);
  if (version === undefined) throw new Error(`product ${productId} has stock rows but no product_level row`);
  return version;
}

/** Reservations whose status changes together with the stock (a hold released or committed). */
export interface StatusChange {
  reservationIds: readonly string[];
  status: 'RELEASED' | 'COMMITTED';
  /** kept as it was when null */
  reason: string | null;
}

/** An order's state as read by the statement that took its lock (readOrderAndStock's `lock`). */
export interface OrderAsRead {
  orderId: string;
  state: OrderState;
}

/** What a stock write carries besides the stock changes, all in its one statement. */
export interface StockWrite {
  reservation?: NewReservation;
  events?: readonly Envelope[];
  statusChange?: StatusChange;
  /** write only if the order is still in this state (else 'order-moved') */
  orderAsRead?: OrderAsRead;
}

/** 'conflict': a stock row or level moved since the read; 'order-moved': the order's state did. */
export type WriteOutcome = 'written' | 'conflict' | 'order-moved';

/**
 * The check of `orderAsRead` (one boolean column `ok`): the newest revision, the cancellation and
 * the set of held reservations are as read. Nothing else a decision reads of the order changes.
 */
function orderAsReadCheck(asRead: OrderAsRead | undefined): { sql: string; params: unknown[] } {
  if (!asRead) return { sql: 'select true as ok', params: [] };
  const { orderId, state } = asRead;
  return {
    sql: `select (select max(revision) from reservation where order_id = ?) is not distinct from ?::int
             and exists (select 1 from cancelled_order where order_id = ?) = ?
             and array(select id from reservation where order_id = ? and status = 'HELD' order by id)
                 = array(select id from unnest(?::uuid[]) as id order by id) as ok`,
    params: [
      orderId,
      state.lastRevision,
      orderId,
      state.cancelled,
      orderId,
      pgArray([...new Set(state.held.map((l) => l.reservationId))]),
    ],
  };
}

/**
 * In ONE statement: locks the level of every product the changes touch and, only if every one is
 * still at the version read (and the order as read, when `orderAsRead` is given), bumps them; then
 * applies the stock changes to rows whose version is still the one read and, only if everything
 * matched, records the reservation with its lines, changes the status of `statusChange`'s
 * reservations and adds the events to the outbox. Returns 'conflict' or 'order-moved' when anything
 * had moved on — then nothing is changed and the caller decides again on fresh rows.
 */
export async function writeIfUnchanged(
  em: EntityManager,
  read: StockRead,
  changes: ReadonlyMap<string, StockChange>,
  write: StockWrite = {},
): Promise<WriteOutcome> {
  const { reservation, events = [], statusChange, orderAsRead } = write;
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
  const check = orderAsReadCheck(orderAsRead);
  const params: unknown[] = [
    ...check.params,
    pgArray(productIds),
    productIds.length,
    pgArray(productIds),
    pgArray(levelVersions),
    pgArray(productIds),
    pgArray(ids),
    pgArray(reserved),
    pgArray(onHand),
    pgArray(versions),
    ids.length,
  ];
  let insert = '';
  if (reservation) {
    insert += `,
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
  if (statusChange && statusChange.reservationIds.length > 0) {
    // The status of other rows than `saved`'s: a statement's CTEs must not change one row twice.
    insert += `,
      statuses as (
        update reservation r set status = ?, reason = coalesce(?, r.reason), updated_at = now()
          from written where written.ok and r.id = any(?::uuid[]))`;
    params.push(statusChange.status, statusChange.reason, pgArray(statusChange.reservationIds));
  }
  if (events.length > 0) {
    const published = outboxInsert(em, events, { from: 'written', where: 'written.ok' });
    insert += `,
      published as (${published.sql})`;
    params.push(...published.params);
  }
  // The levels first: a stock row is only written once its product's level matched (and is locked
  // by this transaction), so no writer of the product can slip in between. They are locked (in
  // product order) and compared before any is bumped, so a partial match bumps none: no savepoint
  // is needed to undo one. A level locked here stays locked until the transaction ends, even when
  // it did not match: the next try of the same products then cannot be overtaken.
  const statement = `with
      order_as_read as (${check.sql}),
      locked as (
        select l.product_id, l.version from product_level l
         where l.product_id = any(?::uuid[]) and (select ok from order_as_read)
         order by l.product_id for update),
      matched as (
        select (select ok from order_as_read) and count(*) = ? as ok, (select ok from order_as_read) as order_ok
          from locked join unnest(?::uuid[], ?::int8[]) as p(product_id, version)
                 on p.product_id = locked.product_id and p.version = locked.version),
      levels as (
        update product_level l set version = l.version + 1
          from matched where matched.ok and l.product_id = any(?::uuid[])
        returning l.product_id),
      changed as (
        update stock s
           set reserved = s.reserved + c.reserved, on_hand = s.on_hand + c.on_hand,
               version = s.version + 1, updated_at = now()
          from unnest(?::uuid[], ?::int[], ?::int[], ?::int[]) as c(id, reserved, on_hand, version), matched
         where matched.ok and s.id = c.id and s.version = c.version
        returning s.id),
      written as (select matched.ok as levels_ok, matched.order_ok,
                         matched.ok and (select count(*) from changed) = ? as ok
                    from matched)${insert}
    select written.ok, written.levels_ok, written.order_ok from written`;
  const [result] = await em.execute<{ ok: boolean; levels_ok: boolean; order_ok: boolean }[]>(
    statement,
    params,
  );
  if (result!.ok) return 'written';
  // Every writer of a stock row bumps its product's level in the same transaction: a row that moved
  // under a level that did not is a bug, and the transaction (levels bumped, rows not) must not commit.
  if (result!.levels_ok)
    throw new Error('stock rows changed without their product_level: refusing the write');
  return result!.order_ok ? 'conflict' : 'order-moved';
}

/**
 * order.shipped in ONE statement: takes the order's lock, marks its held reservation COMMITTED and
 * takes the hold's units off its stock rows (on hand and reserved both), each product's level bumped
 * before its rows. Returns the products changed: none when nothing was held.
 *
 * No read-decide-write: the change does not depend on what the rows hold (both columns drop by the
 * units held, which the rows' checks allow whatever else happened), so it is applied to the rows as
 * they are, under their row locks; a reservation racing it sees the versions moved and decides again.
 *
 * The statement's snapshot predates the lock. A hold another handler released while this waited is
 * seen, but the update re-checks the row once it has it and no longer finds it HELD; a hold another
 * handler wrote meanwhile is not seen at all: then nothing is committed, and the caller asks again
 * (now holding the lock, the answer is current). An order holds at most one reservation (a newer
 * revision releases the older in the same write), so a hold committed here is the whole hold.
 */
export async function commitHold(em: EntityManager, orderId: string): Promise<string[]> {
  const [result] = await em.execute<{ lines: number; changed: number; products: string[] }[]>(
    `with locked as (select pg_advisory_xact_lock(hashtextextended(?, 0)), ?::uuid as order_id),
     -- The order id is taken from \`locked\`, so the lock is taken before the hold is looked for
     -- (and the result is read from \`locked\`: it is taken even if no row is looked at).
     committed as (
       update reservation r set status = 'COMMITTED', updated_at = now()
        where r.order_id = (select order_id from locked) and r.status = 'HELD'
       returning r.id),
     lines as (
       select l.stock_id, l.product_id, sum(l.quantity)::int as quantity
         from reservation_line l join committed c on c.id = l.reservation_id
        group by l.stock_id, l.product_id),
     -- Locked in product order, as writeIfUnchanged locks them: two writers of the same products
     -- queue behind each other instead of deadlocking.
     level_locks as (
       select pl.product_id from product_level pl
        where pl.product_id in (select product_id from lines)
        order by pl.product_id for update),
     levels as (
       update product_level pl set version = pl.version + 1
         from level_locks k where pl.product_id = k.product_id
       returning pl.product_id),
     -- Joined to the bumped levels: a row is written only once its product's level is locked, as
     -- every writer of stock does (writeIfUnchanged).
     changed as (
       update stock s
          set on_hand = s.on_hand - x.quantity, reserved = s.reserved - x.quantity,
              version = s.version + 1, updated_at = now()
         from lines x join levels on levels.product_id = x.product_id
        where s.id = x.stock_id
       returning s.product_id)
     select (select count(*) from lines)::int as lines, (select count(*) from changed)::int as changed,
            coalesce((select json_agg(distinct product_id) from changed), '[]'::json) as products
       from locked`,
    [orderLockKey(orderId), orderId],
  );
  // A stock row without its product's level would be left as it was under a committed hold.
  if (result!.changed !== result!.lines)
    throw new Error(`order ${orderId}: ${result!.lines} held rows, ${result!.changed} changed: refusing`);
  return result!.products;
}

/**
 * Handlers of one order run one at a time (whichever replica runs them): otherwise a cancellation
 * could look for a hold that a concurrent reservation has not committed yet, and miss it.
 */
export async function lockOrder(em: EntityManager, orderId: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [orderLockKey(orderId)]);
}

/**
 * lockOrder without waiting: false when another transaction holds the order (reclaiming a declined
 * hold skips such an order rather than wait on it, so two reservations cannot deadlock).
 */
export async function tryLockOrder(em: EntityManager, orderId: string): Promise<boolean> {
  const [row] = await em.execute<{ locked: boolean }[]>(
    'select pg_try_advisory_xact_lock(hashtextextended(?, 0)) as locked',
    [orderLockKey(orderId)],
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
