// Which stock rows an order's lines are taken from. Pure: the use case reads the rows, asks here, and
// writes the answer with a version check, so a concurrent change makes it ask again with fresh rows.

export interface StockLevel {
  id: string;
  productId: string;
  storeId: string;
  onHand: number;
  reserved: number;
  version: number;
  lowStockThreshold: number;
}

export interface WantedLine {
  productId: string;
  quantity: number;
}

export interface Pick {
  stockId: string;
  productId: string;
  storeId: string;
  quantity: number;
}

export interface ShortLine {
  productId: string;
  requested: number;
  available: number;
}

export type Allocation = { ok: true; picks: Pick[] } | { ok: false; shortLines: ShortLine[] };

export const available = (s: Pick | StockLevel): number =>
  'onHand' in s ? s.onHand - s.reserved : s.quantity;

/** An order may name one product on several lines: it is reserved as one quantity. */
export function mergeLines(lines: readonly WantedLine[]): WantedLine[] {
  const byProduct = new Map<string, number>();
  for (const l of lines) byProduct.set(l.productId, (byProduct.get(l.productId) ?? 0) + l.quantity);
  return [...byProduct].map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * All lines or none. A line is served by one store when one can (fewer parcels); otherwise it is
 * split across stores, the fullest first. Ties go by store id so two replicas decide alike.
 */
export function allocate(lines: readonly WantedLine[], stock: readonly StockLevel[]): Allocation {
  const picks: Pick[] = [];
  const shortLines: ShortLine[] = [];
  for (const line of mergeLines(lines)) {
    const rows = stock
      .filter((s) => s.productId === line.productId && available(s) > 0)
      .sort((a, b) => available(b) - available(a) || a.storeId.localeCompare(b.storeId));
    const total = rows.reduce((sum, s) => sum + available(s), 0);
    if (total < line.quantity) {
      shortLines.push({ productId: line.productId, requested: line.quantity, available: total });
      continue;
    }
    // The smallest store that holds the whole line keeps the big ones for big orders.
    const single = rows.filter((s) => available(s) >= line.quantity).at(-1);
    if (single) {
      picks.push({
        stockId: single.id,
        productId: line.productId,
        storeId: single.storeId,
        quantity: line.quantity,
      });
      continue;
    }
    let left = line.quantity;
    for (const s of rows) {
      if (left === 0) break;
      const take = Math.min(left, available(s));
      picks.push({ stockId: s.id, productId: line.productId, storeId: s.storeId, quantity: take });
      left -= take;
    }
  }
  return shortLines.length > 0 ? { ok: false, shortLines } : { ok: true, picks };
}

/** How many units of a product one store holds for an order (shipping sends a parcel per store). */
export interface StoreShare {
  storeId: string;
  productId: string;
  quantity: number;
}

/**
 * The picks of a reservation as one entry per store and product, summed, in the order the picks
 * came in (an order naming a product on several lines is reserved as one quantity already).
 */
export function storeShares(picks: readonly Pick[]): StoreShare[] {
  const shares = new Map<string, StoreShare>();
  for (const p of picks) {
    const key = `${p.storeId}/${p.productId}`;
    const share = shares.get(key);
    if (share) share.quantity += p.quantity;
    else shares.set(key, { storeId: p.storeId, productId: p.productId, quantity: p.quantity });
  }
  return [...shares.values()];
}

/** Net change of `reserved` per stock row; rows whose changes cancel out are left alone. */
export function reservedDeltas(
  release: readonly { stockId: string; quantity: number }[],
  reserve: readonly { stockId: string; quantity: number }[],
): Map<string, number> {
  const deltas = new Map<string, number>();
  for (const r of release) deltas.set(r.stockId, (deltas.get(r.stockId) ?? 0) - r.quantity);
  for (const r of reserve) deltas.set(r.stockId, (deltas.get(r.stockId) ?? 0) + r.quantity);
  for (const [id, d] of deltas) if (d === 0) deltas.delete(id);
  return deltas;
}

export interface ProductLevel {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  lowStockThreshold: number;
}

/** A product's totals over every store; its threshold is the sum of the stores' thresholds. */
export function productLevel(productId: string, stock: readonly StockLevel[]): ProductLevel {
  const rows = stock.filter((s) => s.productId === productId);
  const onHand = rows.reduce((n, s) => n + s.onHand, 0);
  const reserved = rows.reduce((n, s) => n + s.reserved, 0);
  const lowStockThreshold = rows.reduce((n, s) => n + s.lowStockThreshold, 0);
  return { productId, onHand, reserved, available: onHand - reserved, lowStockThreshold };
}

/**
 * stock.low fires once, when a product's availability goes from above its threshold to at or below
 * it — not on every later sale, which would flood the admins' inbox.
 */
export function fellToThreshold(before: ProductLevel, after: ProductLevel): boolean {
  return before.available > before.lowStockThreshold && after.available <= after.lowStockThreshold;
}
