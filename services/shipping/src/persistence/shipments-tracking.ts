// The tracking history (one row per carrier event id) and the webhook signatures seen recently. The
// webhook writes both in its locking statements (shipments.ts: rememberSignatureAndLockOrder,
// lockParcelAndRecordEvent); what is here reads them and sweeps the signatures.
import type { EntityManager } from '@mercato/db';
import { type ParcelTable, toDate } from './shipments.ts';
import { table } from './shipments-sql.ts';

export interface TrackingEvent {
  eventId: string;
  status: string;
  occurredAt: Date;
  code: string | null;
  description: string | null;
  location: string | null;
  receivedAt: Date;
}

/** The parcel's events in the order they happened at the carrier. */
export async function trackingOf(
  em: EntityManager,
  parcel: { table: ParcelTable; id: string },
): Promise<TrackingEvent[]> {
  const column = parcel.table === 'shipment' ? 'shipment_id' : 'return_id';
  const rows = await em.execute<Record<string, any>[]>(
    `select * from ${table(em, 'tracking_event')} where ${column} = ? order by occurred_at, received_at`,
    [parcel.id],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    status: r.status,
    occurredAt: toDate(r.occurred_at),
    code: r.code,
    description: r.description,
    location: r.location,
    receivedAt: toDate(r.received_at),
  }));
}

/** Whether a later progress event than `at` was recorded for the parcel (it clears an exception). */
export async function progressAfter(
  em: EntityManager,
  parcel: { table: ParcelTable; id: string },
  at: Date,
): Promise<boolean> {
  const column = parcel.table === 'shipment' ? 'shipment_id' : 'return_id';
  const rows = await em.execute(
    `select 1 from ${table(em, 'tracking_event')}
     where ${column} = ? and status <> 'exception' and occurred_at > ? limit 1`,
    [parcel.id, at],
  );
  return rows.length > 0;
}

/** Forgets signatures past their window; returns how many went. */
export async function deleteExpiredSignatures(em: EntityManager): Promise<number> {
  const rows = await em.execute(
    `delete from ${table(em, 'webhook_signature')} where expires_at < now() returning 1`,
  );
  return rows.length;
}
