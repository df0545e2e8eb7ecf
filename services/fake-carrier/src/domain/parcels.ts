// The fake carrier's books, in memory: parcels by idempotency key and by tracking number, and the
// tracking events made for them with every attempt to deliver each one. Forgotten on restart, like
// the carrier itself (a dev stand-in, as the fake payment provider is).
import { randomInt } from 'node:crypto';
import { uuidv7 } from 'uuidv7';

export const CARRIER_NAME = 'fake-carrier';

export interface ParcelAddress {
  name: string;
  lines: string[];
  country: string;
}

/** What a booking sends (shipping's CarrierParcel). */
export interface ParcelRequest {
  reference: string;
  kind: 'outbound' | 'return';
  level: 'standard' | 'express';
  from: ParcelAddress;
  to: ParcelAddress;
  weightGrams: number;
}

export interface Parcel extends ParcelRequest {
  carrier: typeof CARRIER_NAME;
  trackingNumber: string;
  bookedAt: string;
}

export type TrackingStatus = 'picked_up' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception';

/** The webhook's body: one tracking event. A redelivery sends the very same one. */
export interface TrackingEvent {
  eventId: string;
  trackingNumber: string;
  status: TrackingStatus;
  occurredAt: string;
  code?: string;
  description?: string;
  location?: string;
}

export interface EventInput {
  status: TrackingStatus;
  occurredAt?: string;
  code?: string;
  description?: string;
  location?: string;
}

/** One attempt to POST an event to the webhook: its HTTP status, or why there was none. */
export interface DeliveryAttempt {
  at: string;
  status: number | null;
  error?: string;
}

export class EventRecord {
  /** The exact body every delivery of this event sends. */
  readonly body: string;
  readonly deliveries: DeliveryAttempt[] = [];
  #lastSignedAt = 0;

  constructor(readonly event: TrackingEvent) {
    this.body = JSON.stringify(event);
  }

  /**
   * The timestamp of the next signature: now, but always later than the previous one of this event.
   * The body never changes, so a redelivery within the same second would otherwise carry the very same
   * signature as the first delivery, and the receiver would rightly take it for a replayed request.
   */
  nextSignatureTimestamp(nowSeconds: number): number {
    this.#lastSignedAt = Math.max(nowSeconds, this.#lastSignedAt + 1);
    return this.#lastSignedAt;
  }
}

export type BookingOutcome =
  | { result: 'booked'; parcel: Parcel }
  /** The test hook for a refused booking: the carrier does not deliver to country 'XX'. */
  | { result: 'unsupported_destination'; country: string };

/** What a request gets, and whether it is the replay of an earlier one with the same key. */
export interface Answered<T> {
  outcome: T;
  replayed: boolean;
}

/** The normal life of a parcel, which AUTO_ADVANCE_MS walks one step at a time. */
export const WALK: readonly TrackingStatus[] = ['picked_up', 'in_transit', 'out_for_delivery', 'delivered'];

export const UNSUPPORTED_COUNTRY = 'XX';

/** "FC" and 16 digits: digits keep the barcode short (Code 128 packs two a symbol). */
function newTrackingNumber(): string {
  const digits = (n: number) => String(randomInt(10 ** n)).padStart(n, '0');
  return `FC${digits(8)}${digits(8)}`;
}

export class ParcelBook {
  // Bookings by idempotency key: a retried request gets exactly the first parcel.
  readonly #byKey = new Map<string, Parcel>();
  readonly #byTracking = new Map<string, Parcel>();
  readonly #events = new Map<string, EventRecord>();
  readonly #eventsOf = new Map<string, EventRecord[]>();

  /** Books a parcel once per key. A refusal is not remembered: the same request is refused again. */
  book(idempotencyKey: string, request: ParcelRequest, now = new Date()): Answered<BookingOutcome> {
    const known = this.#byKey.get(idempotencyKey);
    if (known) return { outcome: { result: 'booked', parcel: known }, replayed: true };
    if (request.to.country === UNSUPPORTED_COUNTRY)
      return { outcome: { result: 'unsupported_destination', country: request.to.country }, replayed: false };
    let trackingNumber = newTrackingNumber();
    while (this.#byTracking.has(trackingNumber)) trackingNumber = newTrackingNumber();
    const parcel: Parcel = { ...request, carrier: CARRIER_NAME, trackingNumber, bookedAt: now.toISOString() };
    this.#byKey.set(idempotencyKey, parcel);
    this.#byTracking.set(trackingNumber, parcel);
    this.#eventsOf.set(trackingNumber, []);
    return { outcome: { result: 'booked', parcel }, replayed: false };
  }

  parcel(trackingNumber: string): Parcel | undefined {
    return this.#byTracking.get(trackingNumber);
  }

  /** The events made for a parcel, oldest first. */
  eventsOf(trackingNumber: string): EventRecord[] {
    return this.#eventsOf.get(trackingNumber) ?? [];
  }

  event(eventId: string): EventRecord | undefined {
    return this.#events.get(eventId);
  }

  /** A new tracking event (a new eventId) for a booked parcel; undefined for an unknown one. */
  addEvent(trackingNumber: string, input: EventInput, now = new Date()): EventRecord | undefined {
    const list = this.#eventsOf.get(trackingNumber);
    if (!list) return undefined;
    const event: TrackingEvent = {
      eventId: `evt_${uuidv7().replace(/-/g, '')}`,
      trackingNumber,
      status: input.status,
      occurredAt: input.occurredAt ?? now.toISOString(),
      ...(input.code !== undefined ? { code: input.code } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.location !== undefined ? { location: input.location } : {}),
    };
    const record = new EventRecord(event);
    list.push(record);
    this.#events.set(event.eventId, record);
    return record;
  }

  /** Where the parcel is: the status of its latest event, or 'booked' before the first. */
  status(trackingNumber: string): TrackingStatus | 'booked' {
    return this.eventsOf(trackingNumber).at(-1)?.event.status ?? 'booked';
  }

  /**
   * The next step of the parcel's walk: after the furthest step reached so far. None once delivered,
   * and none after an exception (whoever reported it drives the parcel on by hand).
   */
  nextWalkStep(trackingNumber: string): TrackingStatus | undefined {
    if (this.status(trackingNumber) === 'exception') return undefined;
    const reached = this.eventsOf(trackingNumber).reduce(
      (furthest, r) => Math.max(furthest, WALK.indexOf(r.event.status)),
      -1,
    );
    return WALK[reached + 1];
  }

  /** Tracking numbers of parcels whose walk is not over. */
  walking(): string[] {
    return [...this.#byTracking.keys()].filter((tn) => this.nextWalkStep(tn) !== undefined);
  }
}
