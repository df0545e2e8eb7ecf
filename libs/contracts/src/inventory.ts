import { type Static, Type } from 'typebox';
import { Money, Uuid } from './common.ts';
import { PaymentMethod } from './orders.ts';

export const ReservedLine = Type.Object({ productId: Uuid, quantity: Type.Integer({ minimum: 1 }) });

/** Echoes the order's total and payment method so payments charges without reading orders. */
export const StockReserved = Type.Object({
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer({ minimum: 1 }),
  lines: Type.Array(ReservedLine),
  total: Money,
  paymentMethod: PaymentMethod,
});
export const StockRejected = Type.Object({
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer({ minimum: 1 }),
  shortLines: Type.Array(
    Type.Object({
      productId: Uuid,
      requested: Type.Integer(),
      available: Type.Integer(),
    }),
  ),
});
export const StockReleased = Type.Object({
  orderId: Uuid,
  reason: Type.String(),
});
export const StockLow = Type.Object({
  productId: Uuid,
  available: Type.Integer(),
  threshold: Type.Integer(),
});

export const Availability = Type.Union([
  Type.Literal('in_stock'),
  Type.Literal('low'),
  Type.Literal('out_of_stock'),
]);

/**
 * What one product's stock now is, summed over every store: the read models of availability
 * (catalog's product pages, the cart's lines) keep the newest per product and never ask inventory.
 */
export const ProductStockLevel = Type.Object({
  productId: Uuid,
  /** on hand minus reserved, over every store (never below 0) */
  available: Type.Integer({ minimum: 0 }),
  /** inventory's verdict: `low` once available is at or below the product's low-stock threshold */
  availability: Availability,
  /**
   * Grows with every change of the product's stock rows: a consumer keeps a level only when its
   * version is higher than the one it holds, so late or repeated events change nothing.
   */
  version: Type.Integer({ minimum: 0 }),
});

/** Written in the same transaction as every change of stock (admin edits, holds, releases, commits). */
export const StockLevelsChanged = Type.Object({
  levels: Type.Array(ProductStockLevel, { minItems: 1 }),
});

export type ReservedLine = Static<typeof ReservedLine>;
export type StockReserved = Static<typeof StockReserved>;
export type StockRejected = Static<typeof StockRejected>;
export type StockReleased = Static<typeof StockReleased>;
export type StockLow = Static<typeof StockLow>;
export type Availability = Static<typeof Availability>;
export type ProductStockLevel = Static<typeof ProductStockLevel>;
export type StockLevelsChanged = Static<typeof StockLevelsChanged>;

export const inventoryContracts = {
  'stock.reserved': { 1: StockReserved },
  'stock.rejected': { 1: StockRejected },
  'stock.released': { 1: StockReleased },
  'stock.low': { 1: StockLow },
  'stock.levels_changed': { 1: StockLevelsChanged },
};
