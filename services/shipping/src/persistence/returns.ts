// Return parcels: inserted by POST /shippings/returns (booking), booked by the booking worker like a
// shipment (see shipments.ts for the shared columns), received when the carrier delivers them.
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { LabelAddress } from '../carrier/carrier.ts';
import type { PricedReturnLine } from '../domain/returns.ts';
import { type Parcel, parcelFromRow, toDateOrNull } from './shipments.ts';
import { table } from './shipments-sql.ts';

export type ReturnStatus =
  | 'booking'
  | 'booking_failed'
  | 'label_created'
  | 'picked_up'
  | 'in_transit'
  | 'out_for_delivery'
  | 'received';

export interface ReturnParcel extends Parcel {
  status: ReturnStatus;
  lines: PricedReturnLine[];
  refund: { amount: string; currency: string };
  receivedAt: Date | null;
}

type Row = Record<string, any>;

export function returnFromRow(r: Row): ReturnParcel {
  return {
    ...parcelFromRow(r),
    status: r.status,
    lines: r.lines,
    refund: { amount: normalizeAmount(String(r.refund_amount)), currency: String(r.currency).trim() },
    receivedAt: toDateOrNull(r.received_at),
  };
}

export interface NewReturn {
  id: string;
  orderId: string;
  userId: string;
  storeId: string;
  lines: PricedReturnLine[];
  refund: { amount: string; currency: string };
  fromAddress: LabelAddress;
  toAddress: LabelAddress;
  weightGrams: number;
}

export async function insertReturn(em: EntityManager, r: NewReturn): Promise<ReturnParcel> {
  const [row] = await em.execute<Row[]>(
    `insert into ${table(em, 'return_parcel')} (id, order_id, user_id, store_id, lines, refund_amount, currency,
       from_address, to_address, weight_grams, status, next_booking_at)
     values (?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?::jsonb, ?, 'booking', now()) returning *`,
    [
      r.id,
      r.orderId,
      r.userId,
      r.storeId,
      JSON.stringify(r.lines),
      r.refund.amount,
      r.refund.currency,
      JSON.stringify(r.fromAddress),
      JSON.stringify(r.toAddress),
      r.weightGrams,
    ],
  );
  return returnFromRow(row!);
}

export async function findReturn(em: EntityManager, id: string): Promise<ReturnParcel | undefined> {
  const [row] = await em.execute<Row[]>(`select * from ${table(em, 'return_parcel')} where id = ?`, [id]);
  return row ? returnFromRow(row) : undefined;
}

/** Units of each product already in returns of the order (a failed booking gives its units back). */
export async function returnedUnits(em: EntityManager, orderId: string): Promise<Map<string, number>> {
  const rows = await em.execute<{ product_id: string; n: number }[]>(
    `select l."productId" as product_id, sum(l.quantity)::int as n
       from ${table(em, 'return_parcel')} r,
            jsonb_to_recordset(r.lines) as l("productId" text, quantity integer)
      where r.order_id = ? and r.status <> 'booking_failed'
      group by l."productId"`,
    [orderId],
  );
  return new Map(rows.map((r) => [r.product_id, r.n]));
}

export async function listReturns(
  em: EntityManager,
  f: { userId?: string; orderId?: string; page: number; pageSize: number },
): Promise<{ items: ReturnParcel[]; total: number }> {
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
  const clause = where.length ? `where ${where.join(' and ')}` : '';
  const t = table(em, 'return_parcel');
  const [count] = await em.execute<{ n: number }[]>(`select count(*)::int as n from ${t} ${clause}`, params);
  const rows = await em.execute<Row[]>(`select * from ${t} ${clause} order by id desc limit ? offset ?`, [
    ...params,
    f.pageSize,
    (f.page - 1) * f.pageSize,
  ]);
  return { items: rows.map(returnFromRow), total: count?.n ?? 0 };
}
