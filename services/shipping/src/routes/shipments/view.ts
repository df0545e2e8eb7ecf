import type { Shipment } from '../../persistence/shipments.ts';
import type { TrackingEvent } from '../../persistence/shipments-tracking.ts';
import type { ShipmentSummary, ShipmentView, TrackingEventView } from './schemas.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

export function toTrackingView(e: TrackingEvent): TrackingEventView {
  return {
    eventId: e.eventId,
    status: e.status as TrackingEventView['status'],
    occurredAt: iso(e.occurredAt),
    receivedAt: iso(e.receivedAt),
    ...(e.code ? { code: e.code } : {}),
    ...(e.description ? { description: e.description } : {}),
    ...(e.location ? { location: e.location } : {}),
  };
}

export function toShipmentSummary(s: Shipment): ShipmentSummary {
  return {
    id: s.id,
    orderId: s.orderId,
    userId: s.userId,
    storeId: s.storeId,
    level: s.level,
    status: s.status,
    lines: s.lines,
    ...(s.carrier ? { carrier: s.carrier } : {}),
    ...(s.trackingNumber ? { trackingNumber: s.trackingNumber, labelUrl: `/shippings/${s.id}/label` } : {}),
    from: s.fromAddress,
    to: s.toAddress,
    weightGrams: s.weightGrams,
    ...(s.exception
      ? {
          exception: {
            code: s.exception.code,
            description: s.exception.description,
            at: iso(s.exception.at),
          },
        }
      : {}),
    ...(s.bookingError ? { bookingError: s.bookingError } : {}),
    ...(s.pickedUpAt ? { pickedUpAt: iso(s.pickedUpAt) } : {}),
    ...(s.deliveredAt ? { deliveredAt: iso(s.deliveredAt) } : {}),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

export function toShipmentView(s: Shipment, tracking: TrackingEvent[]): ShipmentView {
  return { ...toShipmentSummary(s), tracking: tracking.map(toTrackingView) };
}
