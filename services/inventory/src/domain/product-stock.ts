// What a product page shows: a product's level in total and per store.
import { productLevel, type StockLevel } from './allocation.ts';

export interface ProductStock {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  /** the sum of the stores' thresholds */
  lowStockThreshold: number;
  /** available is at or below the threshold */
  low: boolean;
  stores: {
    stockId: string;
    storeId: string;
    onHand: number;
    reserved: number;
    available: number;
    lowStockThreshold: number;
  }[];
}

export function productStock(productId: string, rows: readonly StockLevel[]): ProductStock {
  const total = productLevel(productId, rows);
  return {
    ...total,
    low: total.available <= total.lowStockThreshold,
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
