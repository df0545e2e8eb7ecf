// The one adapter to the carrier (the fake one locally; a real one has the same shape): shipping books
// parcels through it and hears back from it through the signed webhook (webhook-signature.ts).
import type { ServiceLevel } from '@mercato/contracts';

export interface LabelAddress {
  name: string;
  /** Street, then postal code and city, as printed. */
  lines: string[];
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface CarrierParcel {
  /** The shipment's or return's id: the carrier's idempotency key, so a retried booking books once. */
  reference: string;
  kind: 'outbound' | 'return';
  level: ServiceLevel;
  from: LabelAddress;
  to: LabelAddress;
  weightGrams: number;
}

export interface BookedParcel {
  carrier: string;
  trackingNumber: string;
}

/** What the carrier reports about a parcel, one event per webhook request. */
export type CarrierStatus = 'picked_up' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception';

export interface CarrierEvent {
  /** The carrier's id of the event: a redelivery carries the same one. */
  eventId: string;
  trackingNumber: string;
  status: CarrierStatus;
  /** When it happened at the carrier (ISO 8601); events may arrive out of this order. */
  occurredAt: string;
  /** exception: the carrier's reason code and words. */
  code?: string;
  description?: string;
  location?: string;
}

export type BookingOutcome =
  | { kind: 'booked'; parcel: BookedParcel }
  /** Refused for good (bad address, unsupported country): retrying the same request cannot help. */
  | { kind: 'refused'; reason: string }
  /** Timeout, 5xx, network: the same request with the same reference may be sent again. */
  | { kind: 'unavailable'; detail: string };

export interface Carrier {
  readonly name: string;
  book(parcel: CarrierParcel): Promise<BookingOutcome>;
}
