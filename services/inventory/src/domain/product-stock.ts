// What a product page shows: a product's level in total and per store, and the verdict shoppers see.
import type { Availability, ProductStockLevel } from '@mercato/contracts';
import { type ProductLevel, productLevel, type StockLevel } from './allocation.ts';

export interface ProductStock {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  /** the sum of the stores' thresholds */
  lowStockThreshold: number;
  /** available is at or below the threshold */
  low: boolean;
  availability: Availability;
  stores: {
    stockId: string;
    storeId: string;
    onHand: number;
    reserved: number;
    available: number;
    lowStockThreshold: number;
  }[];
}

/**
 * `low` means what stock.low means (available at or below the product's threshold, the sum of its
 * stores'), except that nothing left at all is `out_of_stock`.
 */
export function availabilityOf(level: Pick<ProductLevel, 'available' | 'lowStockThreshold'>): Availability {
  if (level.available <= 0) return 'out_of_stock';
  return level.available <= level.lowStockThreshold ? 'low' : 'in_stock';
}

export function productStock(productId: string, rows: readonly StockLevel[]): ProductStock {
  const total = productLevel(productId, rows);
  return {
    ...total,
    low: total.available <= total.lowStockThreshold,
    availability: availabilityOf(total),
    stores: rows
      .filter((s) => s.productId === productId)
      .map((s) => ({
        stockId: s.id,
        storeId: s.storeId,
        onHand: s.onHand,
        reserved: s.reserved,
        available: s.onHand - s.reserved,
        lowStockThreshold: s.lowStockThreshold,
      })),
  };
}

/**
 * The levels a `stock.levels_changed` event carries: each product's total over `rows` (every
 * store's row of it, after the change) with the version the change gave the product.
 */
export function stockLevels(
  productIds: Iterable<string>,
  rows: readonly StockLevel[],
  versions: ReadonlyMap<string, number>,
): ProductStockLevel[] {
  return [...new Set(productIds)].map((productId) => {
    const total = productLevel(productId, rows);
    const version = versions.get(productId);
    if (version === undefined) throw new Error(`no level version for product ${productId}`);
    return {
      productId,
      available: Math.max(0, total.available),
      availability: availabilityOf(total),
      version,
    };
  });
}
