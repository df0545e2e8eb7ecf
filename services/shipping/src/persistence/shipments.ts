// The parcels: shipments (outbound) and returns share their booking and tracking columns, so the
// booking worker's lease and the webhook's updates are written once for both tables. Every write is
// conditional on the state it expects (`where status = 'booking'`), so two replicas racing on one
// row leave exactly one effect.
import type { ServiceLevel } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { type Envelope, outboxInsert } from '@mercato/messaging';
import type { LabelAddress } from '../carrier/carrier.ts';
import type { ParcelLine, ShipmentStatus } from '../domain/shipments.ts';
import { table } from './shipments-sql.ts';

export type ParcelTable = 'shipment' | 'return_parcel';

export interface ParcelException {
  code: string;
  description: string;
  at: Date;
}

/** The columns both tables have. */
export interface Parcel {
  id: string;
  orderId: string;
  userId: string;
  storeId: string;
  fromAddress: LabelAddress;
  toAddress: LabelAddress;
  weightGrams: number;
  status: string;
  carrier: string | null;
  trackingNumber: string | null;
  bookingTries: number;
  bookingError: string | null;
  exception: ParcelException | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Shipment extends Parcel {
  status: ShipmentStatus;
  level: ServiceLevel;
  lines: ParcelLine[];
  pickedUpAt: Date | null;
  deliveredAt: Date | null;
}

type Row = Record<string, any>;

/** A timestamptz column as a Date (raw queries may hand it back as text). */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
export const toDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : toDate(v));

export function parcelFromRow(r: Row): Parcel {
  return {
    id: r.id,
    orderId: r.order_id,
    userId: r.user_id,
    storeId: r.store_id,
    fromAddress: r.from_address,
    toAddress: r.to_address,
    weightGrams: r.weight_grams,
    status: r.status,
    carrier: r.carrier,
    trackingNumber: r.tracking_number,
    bookingTries: r.booking_tries,
    bookingError: r.booking_error,
    exception: r.exception_code
      ? { code: r.exception_code, description: r.exception_description ?? '', at: toDate(r.exception_at) }
      : null,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

export function shipmentFromRow(r: Row): Shipment {
  return {
    ...parcelFromRow(r),
    status: r.status,
    level: r.level,
    lines: r.lines,
    pickedUpAt: toDateOrNull(r.picked_up_at),
    deliveredAt: toDateOrNull(r.delivered_at),
  };
}

export interface NewShipment {
  id: string;
  orderId: string;
  userId: string;
  storeId: string;
  level: ServiceLevel;
  lines: ParcelLine[];
  fromAddress: LabelAddress;
  toAddress: LabelAddress;
  weightGrams: number;
}

/**
 * Inserts the order's shipments due for booking now (one that exists (order, store) is left alone) and
 * marks the order's shipments created, in one statement.
 */
export async function insertShipments(
  em: EntityManager,
  orderId: string,
  shipments: readonly NewShipment[],
): Promise<number> {
  const [row] = await em.execute<{ inserted: number }[]>(
    `with inserted as (
       insert into ${table(em, 'shipment')} (id, order_id, user_id, store_id, level, lines, from_address,
         to_address, weight_grams, status, next_booking_at)
       select s.id, s.order_id, s.user_id, s.store_id, s.level, s.lines, s.from_address, s.to_address,
              s.weight_grams, 'booking', now()
         from jsonb_to_recordset(?::jsonb) as s(id uuid, order_id uuid, user_id uuid, store_id uuid, level text,
              lines jsonb, from_address jsonb, to_address jsonb, weight_grams integer)
       on conflict (order_id, store_id) do nothing returning id),
     marked as (
       update ${table(em, 'shipping_order')} set shipments_created_at = now(), updated_at = now()
       where order_id = ?)
     select count(*)::int as inserted from inserted`,
    [
      JSON.stringify(
        shipments.map((s) => ({
          id: s.id,
          order_id: s.orderId,
          user_id: s.userId,
          store_id: s.storeId,
          level: s.level,
          lines: s.lines,
          from_address: s.fromAddress,
          to_address: s.toAddress,
          weight_grams: s.weightGrams,
        })),
      ),
      orderId,
    ],
  );
  return row?.inserted ?? 0;
}

export async function findShipment(em: EntityManager, id: string): Promise<Shipment | undefined> {
  const [row] = await em.execute<Row[]>(`select * from ${table(em, 'shipment')} where id = ?`, [id]);
  return row ? shipmentFromRow(row) : undefined;
}

/** The order's shipments (locked when asked: the webhook's "is every parcel picked up" decision). */
export async function shipmentsOfOrder(
  em: EntityManager,
  orderId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Shipment[]> {
  const rows = await em.execute<Row[]>(
    `select * from ${table(em, 'shipment')} where order_id = ? order by store_id${opts.forUpdate ? ' for update' : ''}`,
    [orderId],
  );
  return rows.map(shipmentFromRow);
}

export interface ShipmentFilter {
  /** customers: their own only */
  userId?: string;
  orderId?: string;
  /** a status, or 'exception' for parcels whose last problem is not resolved */
  status?: string;
  page: number;
  pageSize: number;
}

export async function listShipments(
  em: EntityManager,
  f: ShipmentFilter,
): Promise<{ items: Shipment[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.userId) {
    where.push('user_id = ?');
    params.push(f.userId);
  }
  if (f.orderId) {
    where.push('order_id = ?');
    params.push(f.orderId);
  }
  if (f.status === 'exception') where.push('exception_code is not null');
  else if (f.status) {
    where.push('status = ?');
    params.push(f.status);
  }
  const clause = where.length ? `where ${where.join(' and ')}` : '';
  const t = table(em, 'shipment');
  const [count] = await em.execute<{ n: number }[]>(`select count(*)::int as n from ${t} ${clause}`, params);
  const rows = await em.execute<Row[]>(`select * from ${t} ${clause} order by id desc limit ? offset ?`, [
    ...params,
    f.pageSize,
    (f.page - 1) * f.pageSize,
  ]);
  const total = count?.n ?? 0;
  return { items: rows.map(shipmentFromRow), total };
}

/**
 * Leases parcels due for booking (SKIP LOCKED: replicas never take the same row): `booking_tries`
 * counted and `next_booking_at` pushed past the lease, in the statement that returns them.
 */
export async function leaseDueBookings(
  em: EntityManager,
  tbl: ParcelTable,
  leaseMs: number,
  limit: number,
  id?: string,
): Promise<Row[]> {
  const t = table(em, tbl);
  return em.execute<Row[]>(
    `update ${t} set booking_tries = booking_tries + 1,
       next_booking_at = now() + (? * interval '1 millisecond'), updated_at = now()
     where id in (select id from ${t} where status = 'booking' and next_booking_at <= now()${id ? ' and id = ?' : ''}
                  order by next_booking_at limit ? for update skip locked)
     returning *`,
    id ? [leaseMs, id, limit] : [leaseMs, limit],
  );
}

/**
 * The carrier booked it: tracking number and label, and `events` (built from the leased row: what
 * they say of the parcel never changes after its insert) in the same statement, so they exist
 * exactly when the booking is recorded; only a parcel still booking (one effect). Run it in a
 * transaction: its commit wakes the relay once, where a lone statement would have the relay look
 * again and again for a second (outbox-signal.ts), a dozen statements for one row.
 */
export async function recordBooked(
  em: EntityManager,
  tbl: ParcelTable,
  id: string,
  booked: { carrier: string; trackingNumber: string },
  events: readonly Envelope[],
): Promise<boolean> {
  const outbox = outboxInsert(em, events, { from: 'booked', where: 'true' });
  const rows = await em.execute(
    `with booked as (
       update ${table(em, tbl)} set status = 'label_created', carrier = ?, tracking_number = ?,
         booking_error = null, next_booking_at = null, updated_at = now()
       where id = ? and status = 'booking' returning id),
     published as (${outbox.sql})
     select id from booked`,
    [booked.carrier, booked.trackingNumber, id, ...outbox.params],
  );
  return rows.length > 0;
}

/** Refused for good by the carrier: visible to admins, never retried. */
export async function recordBookingFailed(
  em: EntityManager,
  tbl: ParcelTable,
  id: string,
  reason: string,
): Promise<boolean> {
  const rows = await em.execute(
    `update ${table(em, tbl)} set status = 'booking_failed', booking_error = ?, next_booking_at = null,
       updated_at = now()
     where id = ? and status = 'booking' returning id`,
    [reason, id],
  );
  return rows.length > 0;
}

/** The carrier was unavailable: the next try after `delayMs`. */
export async function postponeBooking(
  em: EntityManager,
  tbl: ParcelTable,
  id: string,
  delayMs: number,
  error: string,
): Promise<void> {
  await em.execute(
    `update ${table(em, tbl)} set next_booking_at = now() + (? * interval '1 millisecond'), booking_error = ?,
       updated_at = now()
     where id = ? and status = 'booking'`,
    [delayMs, error, id],
  );
}

/**
 * The webhook's first statement: remembers the signature (`fresh`: not seen before) and finds which
 * parcel table has the tracking number, locking the row of the parcel's order (the lock every
 * webhook and change of the order takes first). `table` undefined: no parcel has it.
 */
export async function rememberSignatureAndLockOrder(
  em: EntityManager,
  signature: { signature: string; expiresAt: Date },
  trackingNumber: string,
): Promise<{ fresh: boolean; table: ParcelTable | undefined }> {
  const [row] = await em.execute<{ fresh: boolean; tbl: ParcelTable | null; locked: boolean }[]>(
    `with sig as (
       insert into ${table(em, 'webhook_signature')} (signature, expires_at) values (?, ?)
       on conflict (signature) do nothing returning 1),
     parcel as (
       select 'shipment' as tbl, order_id from ${table(em, 'shipment')} where tracking_number = ?
       union all
       select 'return_parcel', order_id from ${table(em, 'return_parcel')} where tracking_number = ?
       limit 1),
     locked as (
       select order_id from ${table(em, 'shipping_order')}
       where order_id = (select order_id from parcel) for update)
     select exists (select 1 from sig) as fresh, (select tbl from parcel) as tbl,
            exists (select 1 from locked) as locked`,
    [signature.signature, signature.expiresAt, trackingNumber, trackingNumber],
  );
  return { fresh: row?.fresh === true, table: row?.tbl ?? undefined };
}

export interface LockedParcel {
  row: Row;
  /** false: the event's id was recorded before (a redelivery) */
  recorded: boolean;
  /** shipments only: every shipment of the parcel's order with its status (this one included) */
  orderParcels: { id: string; status: string }[];
}

/**
 * The parcel with this tracking number, locked, and the carrier's event recorded for it once (by its
 * eventId), in one statement. Run after the order's row is locked (its own statement: this one's
 * snapshot then holds everything the order's earlier webhooks committed), so the statuses of the
 * order's other shipments read here are the ones the decision needs.
 */
export async function lockParcelAndRecordEvent(
  em: EntityManager,
  tbl: ParcelTable,
  trackingNumber: string,
  e: {
    eventId: string;
    status: string;
    occurredAt: Date;
    code?: string;
    description?: string;
    location?: string;
  },
): Promise<LockedParcel | undefined> {
  const [shipmentId, returnId] = tbl === 'shipment' ? ['p.id', 'null::uuid'] : ['null::uuid', 'p.id'];
  const orderParcels =
    tbl === 'shipment'
      ? `(select jsonb_agg(jsonb_build_object('id', s.id, 'status', s.status))
           from ${table(em, 'shipment')} s where s.order_id = p.order_id)`
      : `'[]'::jsonb`;
  const [row] = await em.execute<Row[]>(
    `with p as (select * from ${table(em, tbl)} where tracking_number = ? for update),
     ev as (
       insert into ${table(em, 'tracking_event')} (event_id, shipment_id, return_id, status, occurred_at, code,
         description, location)
       select ?::text, ${shipmentId}, ${returnId}, ?::text, ?::timestamptz, ?::text, ?::text, ?::text from p
       on conflict (event_id) do nothing returning event_id)
     select p.*, exists (select 1 from ev) as recorded, ${orderParcels} as order_parcels from p`,
    [
      trackingNumber,
      e.eventId,
      e.status,
      e.occurredAt,
      e.code ?? null,
      e.description ?? null,
      e.location ?? null,
    ],
  );
  if (!row) return undefined;
  const { recorded, order_parcels: parcels, ...parcel } = row;
  return { row: parcel, recorded: recorded === true, orderParcels: parcels ?? [] };
}

export interface TrackingChange {
  status?: string;
  pickedUpAt?: Date;
  deliveredAt?: Date;
  receivedAt?: Date;
  /** set, or cleared with null */
  exception?: ParcelException | null;
}

/** Writes the change to the parcel and its `events` to the outbox, in one statement. */
export async function updateTracking(
  em: EntityManager,
  tbl: ParcelTable,
  id: string,
  c: TrackingChange,
  events: readonly Envelope[] = [],
): Promise<void> {
  const sets: string[] = ['updated_at = now()'];
  const params: unknown[] = [];
  if (c.status) {
    sets.push('status = ?');
    params.push(c.status);
  }
  if (c.pickedUpAt) {
    sets.push('picked_up_at = ?');
    params.push(c.pickedUpAt);
  }
  if (c.deliveredAt) {
    sets.push('delivered_at = ?');
    params.push(c.deliveredAt);
  }
  if (c.receivedAt) {
    sets.push('received_at = ?');
    params.push(c.receivedAt);
  }
  if (c.exception !== undefined) {
    sets.push('exception_code = ?', 'exception_description = ?', 'exception_at = ?');
    params.push(c.exception?.code ?? null, c.exception?.description ?? null, c.exception?.at ?? null);
  }
  const update = `update ${table(em, tbl)} set ${sets.join(', ')} where id = ?`;
  if (events.length === 0) {
    await em.execute(update, [...params, id]);
    return;
  }
  const outbox = outboxInsert(em, events);
  await em.execute(`with updated as (${update}) ${outbox.sql}`, [...params, id, ...outbox.params]);
}

/**
 * The order was cancelled: its parcels not picked up yet are cancelled (a booking in flight is then
 * not recorded: it is no longer `booking`). Returns the parcels that had left already.
 */
export async function cancelOpenShipments(
  em: EntityManager,
  orderId: string,
): Promise<{ cancelled: number; alreadyLeft: string[] }> {
  const t = table(em, 'shipment');
  const cancelled = await em.execute(
    `update ${t} set status = 'cancelled', next_booking_at = null, updated_at = now()
     where order_id = ? and status in ('booking', 'booking_failed', 'label_created') returning id`,
    [orderId],
  );
  const left = await em.execute<{ id: string }[]>(
    `select id from ${t} where order_id = ? and status not in ('cancelled')`,
    [orderId],
  );
  return { cancelled: cancelled.length, alreadyLeft: left.map((r) => r.id) };
}
