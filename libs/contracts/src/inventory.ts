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

export type ReservedLine = Static<typeof ReservedLine>;
export type StockReserved = Static<typeof StockReserved>;
export type StockRejected = Static<typeof StockRejected>;
export type StockReleased = Static<typeof StockReleased>;
export type StockLow = Static<typeof StockLow>;

export const inventoryContracts = {
  'stock.reserved': { 1: StockReserved },
  'stock.rejected': { 1: StockRejected },
  'stock.released': { 1: StockReleased },
  'stock.low': { 1: StockLow },
};
