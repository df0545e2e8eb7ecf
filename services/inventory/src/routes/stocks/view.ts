import type { ProductStock } from '../../domain/product-stock.ts';
import type { Stock } from '../../persistence/entities.ts';
import type { ProductStockView, StockView } from './schemas.ts';

export const stockView = (s: Stock): StockView => ({
  id: s.id,
  productId: s.productId,
  storeId: s.storeId,
  onHand: s.onHand,
  reserved: s.reserved,
  available: s.onHand - s.reserved,
  lowStockThreshold: s.lowStockThreshold,
  version: s.version,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

/** Everyone sees the totals a shopper needs; on hand, reserved, thresholds and stores are the admin's. */
export const productStockView = (level: ProductStock, admin: boolean): ProductStockView =>
  admin
    ? level
    : { productId: level.productId, available: level.available, availability: level.availability };
