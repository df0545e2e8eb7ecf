// The reads of shipments and returns, with their tracking history, and the label of a booked parcel.
import type { MikroORM } from '@mercato/db';
import { HttpProblem } from '@mercato/kit';
import { type LabelInput, renderLabel } from '../domain/label-pdf.ts';
import { findReturn, listReturns, type ReturnParcel } from '../persistence/returns.ts';
import { findShipment, listShipments, type Parcel, type Shipment } from '../persistence/shipments.ts';
import { type TrackingEvent, trackingOf } from '../persistence/shipments-tracking.ts';
import { ownerFilter, type Viewer, visible } from './visibility.ts';

export interface PageQuery {
  page: number;
  pageSize: number;
}

export async function listShipmentsFor(
  orm: MikroORM,
  viewer: Viewer,
  q: PageQuery & { orderId?: string; status?: string },
): Promise<{ items: Shipment[]; total: number }> {
  return listShipments(orm.em.fork(), { ...q, userId: ownerFilter(viewer) });
}

export async function getShipmentFor(
  orm: MikroORM,
  viewer: Viewer,
  id: string,
): Promise<{ shipment: Shipment; tracking: TrackingEvent[] }> {
  const em = orm.em.fork();
  const shipment = visible(await findShipment(em, id), viewer, 'shipment');
  return { shipment, tracking: await trackingOf(em, { table: 'shipment', id }) };
}

export async function listReturnsFor(
  orm: MikroORM,
  viewer: Viewer,
  q: PageQuery & { orderId?: string },
): Promise<{ items: ReturnParcel[]; total: number }> {
  return listReturns(orm.em.fork(), { ...q, userId: ownerFilter(viewer) });
}

export async function getReturnFor(
  orm: MikroORM,
  viewer: Viewer,
  id: string,
): Promise<{ ret: ReturnParcel; tracking: TrackingEvent[] }> {
  const em = orm.em.fork();
  const ret = visible(await findReturn(em, id), viewer, 'return');
  return { ret, tracking: await trackingOf(em, { table: 'return_parcel', id }) };
}

/** The PDF label of a booked parcel; 409 while it is being booked (or when the carrier refused it). */
function labelOf(parcel: Parcel, input: Pick<LabelInput, 'kind' | 'level' | 'reference'>): Promise<Buffer> {
  if (!parcel.carrier || !parcel.trackingNumber) {
    const failed = parcel.status === 'booking_failed';
    throw new HttpProblem({
      status: 409,
      slug: 'label-not-ready',
      title: 'Conflict',
      detail: failed
        ? 'The carrier refused this parcel: it has no label'
        : 'The parcel is being booked with the carrier; its label comes once it has a tracking number',
      extensions: { status: parcel.status },
    });
  }
  return renderLabel({
    ...input,
    carrier: parcel.carrier,
    trackingNumber: parcel.trackingNumber,
    from: parcel.fromAddress,
    to: parcel.toAddress,
    weightGrams: parcel.weightGrams,
  });
}

export async function shipmentLabelFor(orm: MikroORM, viewer: Viewer, id: string): Promise<Buffer> {
  const shipment = visible(await findShipment(orm.em.fork(), id), viewer, 'shipment');
  return labelOf(shipment, { kind: 'outbound', level: shipment.level, reference: shipment.orderId });
}

export async function returnLabelFor(orm: MikroORM, viewer: Viewer, id: string): Promise<Buffer> {
  const ret = visible(await findReturn(orm.em.fork(), id), viewer, 'return');
  return labelOf(ret, { kind: 'return', level: 'standard', reference: ret.id });
}
