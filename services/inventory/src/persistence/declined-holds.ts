// The holds of orders whose payment was declined: marked by payment.failed, unmarked by
// payment.retry_started, and reclaimed for another order when stock runs short (stock hoarding,
// issue 9). Plain SQL beside the stock ledger: the reservation rows are written there too.
import type { EntityManager } from '@mercato/db';
import type { OrderState } from './stock-ledger.ts';

const pgArray = (values: readonly string[]): string => `{${values.join(',')}}`;

/**
 * Records the newest payment news of one revision's hold: `declined` true for payment.failed, false
 * for payment.retry_started. `at` is the event's occurredAt; news older than what the row already
 * knows changes nothing (the two events of one attempt may be handled in either order).
 */
export async function recordPaymentNews(
  em: EntityManager,
  news: { orderId: string; revision: number; declined: boolean; at: Date },
): Promise<void> {
  await em.execute(
    `update reservation
        set declined_at = case when ? then ?::timestamptz else null end,
            payment_event_at = ?::timestamptz, updated_at = now()
      where order_id = ? and revision = ? and status = 'HELD'
        and (payment_event_at is null or payment_event_at < ?::timestamptz)`,
    [
      news.declined,
      news.at.toISOString(),
      news.at.toISOString(),
      news.orderId,
      news.revision,
      news.at.toISOString(),
    ],
  );
}

export interface DeclinedHold {
  reservationId: string;
  orderId: string;
  revision: number;
  userId: string;
  lines: OrderState['held'];
}

/**
 * Held reservations of other orders whose payment was declined and that hold any of `productIds`,
 * the oldest decline first, with all their lines (an order's hold is given back whole).
 */
export async function declinedHoldsOf(
  em: EntityManager,
  productIds: readonly string[],
  exceptOrderId: string,
): Promise<DeclinedHold[]> {
  const rows = await em.execute<
    { id: string; order_id: string; revision: number; user_id: string; lines: OrderState['held'] }[]
  >(
    `select r.id, r.order_id, r.revision, r.user_id,
            (select json_agg(json_build_object('reservationId', r.id, 'revision', r.revision,
                      'stockId', l.stock_id, 'productId', l.product_id, 'quantity', l.quantity))
               from reservation_line l where l.reservation_id = r.id) as lines
       from reservation r
      where r.status = 'HELD' and r.declined_at is not null and r.order_id <> ?
        and exists (select 1 from reservation_line l
                     where l.reservation_id = r.id and l.product_id = any(?::uuid[]))
      order by r.declined_at, r.id
      limit 100`,
    [exceptOrderId, pgArray(productIds)],
  );
  return rows.map((r) => ({
    reservationId: r.id,
    orderId: r.order_id,
    revision: r.revision,
    userId: r.user_id,
    lines: r.lines ?? [],
  }));
}

/**
 * Locks the hold's row and tells whether it is still held and declined (a retry may have started,
 * or the order been cancelled, since it was read). Called with the order's lock already taken.
 */
export async function stillDeclined(em: EntityManager, reservationId: string): Promise<boolean> {
  const rows = await em.execute<{ id: string }[]>(
    `select id from reservation where id = ? and status = 'HELD' and declined_at is not null for update`,
    [reservationId],
  );
  return rows.length > 0;
}
