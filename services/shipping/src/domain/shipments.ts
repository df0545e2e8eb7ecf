// Shipments without HTTP or SQL: how a confirmed order splits into parcels (one per store holding its
// stock), how a parcel's status moves with the carrier's events (which come out of order and twice),
// the label addresses, and the booking backoff.
import type { AllocatedStore, ServiceLevel, StoreAllocation } from '@mercato/contracts';
import type { CarrierStatus, LabelAddress } from '../carrier/carrier.ts';

/** Where a parcel stands: the furthest point it reached. */
export type ShipmentStatus =
  | 'booking'
  | 'booking_failed'
  | 'label_created'
  | 'picked_up'
  | 'in_transit'
  | 'out_for_delivery'
  | 'delivered'
  /** the order was cancelled before the carrier picked the parcel up */
  | 'cancelled';

/** Progress as the carrier reports it, in the order a parcel travels. */
const PROGRESS: readonly string[] = [
  'booking',
  'label_created',
  'picked_up',
  'in_transit',
  'out_for_delivery',
  'delivered',
];

export function progressRank(status: string): number {
  // A return's `received` is its `delivered`; booking_failed never moves (no parcel exists).
  return PROGRESS.indexOf(status === 'received' ? 'delivered' : status);
}

/** Whether the carrier status is further than where the parcel stands. */
export function isFurther(current: string, next: Exclude<CarrierStatus, 'exception'>): boolean {
  return progressRank(next) > progressRank(current);
}

/** Picked up, or any point after it. */
export function hasLeft(status: string): boolean {
  return progressRank(status) >= progressRank('picked_up');
}

export interface OrderLineFacts {
  productId: string;
  quantity: number;
  unitPrice: { amount: string; currency: string };
}

export interface ParcelLine {
  productId: string;
  quantity: number;
}

export interface PlannedParcel {
  storeId: string;
  lines: ParcelLine[];
}

/**
 * One parcel per store, with the units that store holds for the order (allocations of one product
 * at one store are summed). Stores and lines in a stable order (by id), so a replica computing the
 * same plan computes it identically.
 */
export function planParcels(allocations: readonly StoreAllocation[]): PlannedParcel[] {
  const byStore = new Map<string, Map<string, number>>();
  for (const a of allocations) {
    const lines = byStore.get(a.storeId) ?? new Map<string, number>();
    lines.set(a.productId, (lines.get(a.productId) ?? 0) + a.quantity);
    byStore.set(a.storeId, lines);
  }
  return [...byStore.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([storeId, lines]) => ({
      storeId,
      lines: [...lines.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([productId, quantity]) => ({ productId, quantity })),
    }));
}

export interface OrderAddress {
  name?: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
}

/** The order's snapshotted address as printed on a label. */
export function addressLabel(address: OrderAddress, fallbackName: string): LabelAddress {
  return {
    name: address.name?.trim() || fallbackName,
    lines: [address.street, `${address.postalCode} ${address.city}`],
    country: address.country,
  };
}

/**
 * A store as printed on a label: inventory gives its address as one text ("Street 1, 10115 Berlin",
 * perhaps ending in a country code: ", DE"); its parts become the lines. The country is that code when
 * the text ends in one, else STORE_COUNTRY (inventory has no country field).
 */
export function storeLabel(
  store: AllocatedStore | undefined,
  storeId: string,
  country: string,
): LabelAddress {
  const lines = (store?.address ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const last = lines.at(-1);
  const named = lines.length > 1 && last !== undefined && /^[A-Z]{2}$/.test(last) ? lines.pop() : undefined;
  return {
    name: store?.name || store?.code || `Store ${storeId}`,
    lines: lines.length > 0 ? lines : [store?.code ?? storeId],
    country: named ?? country,
  };
}

/** A parcel's weight: every unit at its product's weight (the default for a product without one). */
export function parcelWeight(
  lines: readonly ParcelLine[],
  weightOf: (productId: string) => number | undefined,
  defaultGrams: number,
): number {
  const grams = lines.reduce((sum, l) => sum + l.quantity * (weightOf(l.productId) ?? defaultGrams), 0);
  return Math.max(1, grams);
}

/** The delay before booking try `tries + 1` after `tries` failed ones: doubled each time, capped. */
export function bookingRetryDelayMs(tries: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(Math.max(tries - 1, 0), 30);
  return Math.min(baseMs * 2 ** exp, maxMs);
}

export type { ServiceLevel };
