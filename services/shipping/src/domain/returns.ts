// Returns without HTTP or SQL: when an order's lines may be returned, how much of each is left to
// return, what the returned units were paid (exact money), and which store takes the parcel back.
import { fromUnits, lineTotal, toUnits } from '@mercato/contracts';
import type { OrderLineFacts, ParcelLine } from './shipments.ts';

export type ReturnRefusal =
  | { kind: 'order-not-delivered' }
  | { kind: 'return-window-closed'; closedAt: Date }
  | { kind: 'product-not-in-order'; productId: string }
  | { kind: 'already-returned'; productId: string; requested: number; returnable: number };

export interface ShippedParcel {
  storeId: string;
  status: string;
  deliveredAt: Date | null;
  lines: ParcelLine[];
}

export interface PricedReturnLine {
  productId: string;
  quantity: number;
  amount: { amount: string; currency: string };
}

export interface ReturnPlan {
  storeId: string;
  lines: PricedReturnLine[];
  refund: { amount: string; currency: string };
}

/** One line per product, quantities added (a product named twice is one line). */
export function mergeLines(lines: readonly ParcelLine[]): ParcelLine[] {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.productId, (merged.get(l.productId) ?? 0) + l.quantity);
  return [...merged.entries()].map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * Plans a return of `requested` lines, or says why it is refused: every parcel of the order must be
 * delivered, `now` within `windowDays` of the last delivery, and each quantity at most what was
 * shipped minus what earlier returns (not failed ones) already took back.
 */
export function planReturn(input: {
  parcels: readonly ShippedParcel[];
  orderLines: readonly OrderLineFacts[];
  /** units of each product in earlier returns of the order that still count */
  alreadyReturned: ReadonlyMap<string, number>;
  requested: readonly ParcelLine[];
  windowDays: number;
  now: Date;
}): { ok: true; plan: ReturnPlan } | { ok: false; refusal: ReturnRefusal } {
  const { parcels } = input;
  if (parcels.length === 0 || parcels.some((p) => p.status !== 'delivered' || !p.deliveredAt))
    return { ok: false, refusal: { kind: 'order-not-delivered' } };
  const lastDelivery = Math.max(...parcels.map((p) => (p.deliveredAt as Date).getTime()));
  const closedAt = new Date(lastDelivery + input.windowDays * 86_400_000);
  if (input.now.getTime() > closedAt.getTime())
    return { ok: false, refusal: { kind: 'return-window-closed', closedAt } };

  const shipped = new Map<string, number>();
  for (const p of parcels)
    for (const l of p.lines) shipped.set(l.productId, (shipped.get(l.productId) ?? 0) + l.quantity);

  const requested = mergeLines(input.requested);
  const lines: PricedReturnLine[] = [];
  for (const r of requested) {
    const sent = shipped.get(r.productId);
    const orderLine = input.orderLines.find((l) => l.productId === r.productId);
    if (sent === undefined || !orderLine)
      return { ok: false, refusal: { kind: 'product-not-in-order', productId: r.productId } };
    const returnable = sent - (input.alreadyReturned.get(r.productId) ?? 0);
    if (r.quantity > returnable)
      return {
        ok: false,
        refusal: {
          kind: 'already-returned',
          productId: r.productId,
          requested: r.quantity,
          returnable: Math.max(returnable, 0),
        },
      };
    lines.push({
      productId: r.productId,
      quantity: r.quantity,
      amount: {
        amount: lineTotal(orderLine.unitPrice.amount, r.quantity),
        currency: orderLine.unitPrice.currency,
      },
    });
  }
  const currency = lines[0]?.amount.currency ?? 'EUR';
  const refund = fromUnits(lines.reduce((sum, l) => sum + toUnits(l.amount.amount), 0n));
  return {
    ok: true,
    plan: { storeId: returnStore(parcels, requested), lines, refund: { amount: refund, currency } },
  };
}

/**
 * The store that shipped most of the returned units (of each returned product, at most the
 * requested quantity counts for a store); a tie goes to the lowest store id, so every replica picks
 * the same one.
 */
export function returnStore(parcels: readonly ShippedParcel[], requested: readonly ParcelLine[]): string {
  const want = new Map(requested.map((l) => [l.productId, l.quantity]));
  const score = new Map<string, number>();
  for (const p of parcels) {
    let units = score.get(p.storeId) ?? 0;
    for (const l of p.lines) units += Math.min(l.quantity, want.get(l.productId) ?? 0);
    score.set(p.storeId, units);
  }
  const [best] = [...score.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (!best) throw new Error('returnStore: no parcels');
  return best[0];
}
