import { type Static, Type } from 'typebox';
import { Money, Uuid } from './common.ts';
import { PaymentMethod } from './orders.ts';

export const ReservedLine = Type.Object({ productId: Uuid, quantity: Type.Integer({ minimum: 1 }) });

/** Which store holds how many units of a product for the order: shipping sends one parcel per store. */
export const StoreAllocation = Type.Object({
  storeId: Uuid,
  productId: Uuid,
  quantity: Type.Integer({ minimum: 1 }),
});

/** A store named in `allocations`, as inventory knows it: the sender on a shipping label. */
export const AllocatedStore = Type.Object({
  storeId: Uuid,
  code: Type.String(),
  name: Type.String(),
  /** The store's postal address as one text (absent when the store has none). */
  address: Type.Optional(Type.String()),
});

/** Echoes the order's total and payment method so payments charges without reading orders. */
export const StockReserved = Type.Object({
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer({ minimum: 1 }),
  lines: Type.Array(ReservedLine),
  total: Money,
  paymentMethod: PaymentMethod,
  /** Where the held units are (absent in events written before shipping existed). */
  allocations: Type.Optional(Type.Array(StoreAllocation)),
  /** Each store of `allocations` once. */
  stores: Type.Optional(Type.Array(AllocatedStore)),
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
export type StoreAllocation = Static<typeof StoreAllocation>;
export type AllocatedStore = Static<typeof AllocatedStore>;
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
