import type { EventRecord, Parcel, ParcelBook } from '../../domain/parcels.ts';

/** A parcel as GET /v1/parcels/{trackingNumber} shows it: what was booked, and every event sent. */
export function parcelView(parcel: Parcel, book: ParcelBook) {
  return {
    ...parcel,
    status: book.status(parcel.trackingNumber),
    events: book.eventsOf(parcel.trackingNumber).map(eventView),
  };
}

export function eventView(record: EventRecord) {
  return { ...record.event, deliveries: record.deliveries };
}
