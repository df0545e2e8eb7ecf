// What a change does to stock rows, and which of its consequences are worth an event. Pure: the use
// cases read the rows, compute the change here, and write it with a version check.
import { fellToThreshold, productLevel, type StockLevel } from './allocation.ts';

export interface StockChange {
  /** change of `reserved` */
  reserved: number;
  /** change of `on_hand` (a shipped reservation leaves the building) */
  onHand: number;
}

export type StockChanges = Map<string, StockChange>;

/** Held lines, as the ledger reads them back. */
export interface HeldLine {
  stockId: string;
  quantity: number;
}

/** Per-row deltas of `reserved` alone (a reservation or a release). */
export function reservedOnly(deltas: ReadonlyMap<string, number>): StockChanges {
  return new Map([...deltas].map(([id, reserved]) => [id, { reserved, onHand: 0 }]));
}

/** A shipment: what was held is no longer on hand (`on_hand` and `reserved` both drop). */
export function shipped(held: readonly HeldLine[]): StockChanges {
  const changes: StockChanges = new Map();
  for (const l of held) {
    const c = changes.get(l.stockId) ?? { reserved: 0, onHand: 0 };
    changes.set(l.stockId, { reserved: c.reserved - l.quantity, onHand: c.onHand - l.quantity });
  }
  return changes;
}

export function afterChanges(
  rows: readonly StockLevel[],
  changes: ReadonlyMap<string, StockChange>,
): StockLevel[] {
  return rows.map((r) => {
    const c = changes.get(r.id);
    return c ? { ...r, reserved: r.reserved + c.reserved, onHand: r.onHand + c.onHand } : r;
  });
}

/** The products whose levels the change touches (their cached levels are dropped). */
export function touchedProducts(
  rows: readonly StockLevel[],
  changes: ReadonlyMap<string, StockChange>,
): string[] {
  return rows.filter((r) => changes.has(r.id)).map((r) => r.productId);
}

/** The data of one stock.low event. */
export interface LowStockAlert {
  productId: string;
  available: number;
  threshold: number;
}

/**
 * The products of `productIds` whose availability went from above their threshold to at or below
 * it between `before` and `after` (see fellToThreshold: once, not on every later sale).
 */
export function lowStockAlerts(
  productIds: Iterable<string>,
  before: readonly StockLevel[],
  after: readonly StockLevel[],
): LowStockAlert[] {
  const alerts: LowStockAlert[] = [];
  for (const productId of new Set(productIds)) {
    const was = productLevel(productId, before);
    const now = productLevel(productId, after);
    if (!fellToThreshold(was, now)) continue;
    alerts.push({ productId, available: now.available, threshold: now.lowStockThreshold });
  }
  return alerts;
}
