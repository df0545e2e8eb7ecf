// The booking worker's outcomes, each in one statement with its event: a booked shipment announces
// shipment.created, a booked return return.requested (the customer's mail has the label then). Only
// a parcel still `booking` is changed, so a second worker finishing the same booking changes nothing.
import type { ReturnRequested, ShipmentCreated } from '@mercato/contracts';
import type { MikroORM } from '@mercato/db';
import { type Envelope, envelope } from '@mercato/messaging';
import type { BookedParcel } from '../carrier/carrier.ts';
import { returnFromRow } from '../persistence/returns.ts';
import {
  type ParcelTable,
  postponeBooking,
  recordBooked,
  recordBookingFailed,
  shipmentFromRow,
} from '../persistence/shipments.ts';

export const SOURCE = 'shipping';

/** Records the booking of `row` (the parcel as the worker leased it) with its event; false: not booking any more. */
export async function recordBooking(
  orm: MikroORM,
  tbl: ParcelTable,
  row: Record<string, any>,
  booked: BookedParcel,
): Promise<boolean> {
  let event: Envelope;
  if (tbl === 'shipment') {
    const s = shipmentFromRow(row);
    const data: ShipmentCreated = {
      shipmentId: s.id,
      orderId: s.orderId,
      userId: s.userId,
      storeId: s.storeId,
      carrier: booked.carrier,
      trackingNumber: booked.trackingNumber,
      lines: s.lines,
      level: s.level,
    };
    event = envelope('shipment.created', data, { source: SOURCE, correlationId: s.orderId });
  } else {
    const r = returnFromRow(row);
    const data: ReturnRequested = {
      returnId: r.id,
      orderId: r.orderId,
      userId: r.userId,
      storeId: r.storeId,
      carrier: booked.carrier,
      trackingNumber: booked.trackingNumber,
      lines: r.lines,
    };
    event = envelope('return.requested', data, { source: SOURCE, correlationId: r.orderId });
  }
  return orm.em.fork().transactional((em) => recordBooked(em, tbl, row.id, booked, [event]));
}

export async function recordRefusal(
  orm: MikroORM,
  tbl: ParcelTable,
  id: string,
  reason: string,
): Promise<boolean> {
  return recordBookingFailed(orm.em.fork(), tbl, id, reason);
}

export async function recordUnavailable(
  orm: MikroORM,
  tbl: ParcelTable,
  id: string,
  delayMs: number,
  detail: string,
): Promise<void> {
  await postponeBooking(orm.em.fork(), tbl, id, delayMs, detail);
}
