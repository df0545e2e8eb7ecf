// Inventory's own tables. No `schema` here: the ORM's schema setting applies (inventory, or a test's).
import { messagingEntities } from '@mercato/messaging';
import { defineEntity, p } from '@mikro-orm/core';

export const StoreSchema = defineEntity({
  name: 'Store',
  tableName: 'store',
  properties: {
    id: p.uuid().primary(),
    code: p.string().columnType('text').unique(),
    name: p.string().columnType('text'),
    address: p.string().columnType('text').nullable(),
    active: p.boolean(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
    version: p.integer().version(),
  },
});
export class Store extends StoreSchema.class {}
StoreSchema.setClass(Store);

/** One product in one store. `version` is the optimistic lock the reservations race on. */
export const StockSchema = defineEntity({
  name: 'Stock',
  tableName: 'stock',
  properties: {
    id: p.uuid().primary(),
    productId: p.uuid(),
    storeId: p.uuid(),
    onHand: p.integer(),
    reserved: p.integer(),
    lowStockThreshold: p.integer(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
    version: p.integer().version(),
  },
});
export class Stock extends StockSchema.class {}
StockSchema.setClass(Stock);

export type ReservationStatus = 'HELD' | 'REJECTED' | 'RELEASED' | 'COMMITTED';

/**
 * The answer given to one revision of one order (unique), so a redelivery never reserves twice.
 * The event handlers write reservations in SQL, in the same statement as the stock change
 * (src/persistence/stock-ledger.ts); the entities describe the tables for reads and for the ORM.
 */
export const ReservationSchema = defineEntity({
  name: 'Reservation',
  tableName: 'reservation',
  properties: {
    id: p.uuid().primary(),
    orderId: p.uuid(),
    revision: p.integer(),
    userId: p.uuid(),
    status: p.string().columnType('text').$type<ReservationStatus>(),
    reason: p.string().columnType('text').nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});
export class Reservation extends ReservationSchema.class {}
ReservationSchema.setClass(Reservation);

export const ReservationLineSchema = defineEntity({
  name: 'ReservationLine',
  tableName: 'reservation_line',
  properties: {
    id: p.uuid().primary(),
    reservationId: p.uuid(),
    stockId: p.uuid(),
    productId: p.uuid(),
    storeId: p.uuid(),
    quantity: p.integer(),
  },
});
export class ReservationLine extends ReservationLineSchema.class {}
ReservationLineSchema.setClass(ReservationLine);

/** Orders known to be cancelled: a late order.placed for one of them is answered by a release. */
export const CancelledOrderSchema = defineEntity({
  name: 'CancelledOrder',
  tableName: 'cancelled_order',
  properties: {
    orderId: p.uuid().primary(),
    reason: p.string().columnType('text'),
    cancelledAt: p.datetime().columnType('timestamptz'),
  },
});
export class CancelledOrder extends CancelledOrderSchema.class {}
CancelledOrderSchema.setClass(CancelledOrder);

/**
 * A return whose units went back on hand (return.received), once per return: the marker a second
 * delivery of it finds. Written in SQL by the use case (src/persistence/returns.ts).
 */
export const ReturnedStockSchema = defineEntity({
  name: 'ReturnedStock',
  tableName: 'returned_stock',
  properties: {
    returnId: p.uuid().primary(),
    orderId: p.uuid(),
    /** the store the return was delivered to, as the event names it */
    storeId: p.uuid(),
    receivedAt: p.datetime().columnType('timestamptz'),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});
export class ReturnedStock extends ReturnedStockSchema.class {}
ReturnedStockSchema.setClass(ReturnedStock);

/** Units of one product a return put back on hand, and the stock row (store) they went to. */
export const ReturnedStockLineSchema = defineEntity({
  name: 'ReturnedStockLine',
  tableName: 'returned_stock_line',
  properties: {
    id: p.uuid().primary(),
    returnId: p.uuid(),
    stockId: p.uuid(),
    productId: p.uuid(),
    storeId: p.uuid(),
    quantity: p.integer(),
  },
});
export class ReturnedStockLine extends ReturnedStockLineSchema.class {}
ReturnedStockLineSchema.setClass(ReturnedStockLine);

export const entities = [
  ...messagingEntities,
  StoreSchema,
  StockSchema,
  ReservationSchema,
  ReservationLineSchema,
  CancelledOrderSchema,
  ReturnedStockSchema,
  ReturnedStockLineSchema,
];
