import type { Stock } from '../../persistence/entities.ts';
import type { StockView } from './schemas.ts';

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
