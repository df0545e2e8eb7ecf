import { type Static, Type } from 'typebox';
import { Address, DateTime, Money, Uuid } from './common.ts';

/** How fast a parcel travels; each level has its own rates and delivery estimate. */
export const ServiceLevel = Type.Union([Type.Literal('standard'), Type.Literal('express')]);

/**
 * The shipping option an order was placed with: the price quoted by shipping (quote `quoteId`),
 * honoured until the quote expired, so a rate table change between quote and order changes nothing.
 * It is a line of the order: part of the total that is charged and printed on the invoice.
 */
export const ShippingCharge = Type.Object({
  quoteId: Uuid,
  level: ServiceLevel,
  price: Money,
});

export const ShipmentLine = Type.Object({ productId: Uuid, quantity: Type.Integer({ minimum: 1 }) });

const ShipmentFacts = {
  shipmentId: Uuid,
  orderId: Uuid,
  userId: Uuid,
  /** The store the parcel leaves from: the one whose stock was reserved for these lines. */
  storeId: Uuid,
  carrier: Type.String({ minLength: 1 }),
  trackingNumber: Type.String({ minLength: 1 }),
  lines: Type.Array(ShipmentLine, { minItems: 1 }),
};

/** A parcel was booked with the carrier for a confirmed order (one per store that holds its stock). */
export const ShipmentCreated = Type.Object({ ...ShipmentFacts, level: ServiceLevel });

/**
 * The carrier picked the parcel up. `orderShipped` is true on the event of the order's last parcel
 * to be picked up: orders then moves the order to SHIPPED (and inventory turns the hold into a
 * deduction on order.shipped).
 */
export const ShipmentShipped = Type.Object({ ...ShipmentFacts, orderShipped: Type.Boolean(), at: DateTime });

/** The parcel was delivered; `orderDelivered` is true once every parcel of the order is. */
export const ShipmentDelivered = Type.Object({
  ...ShipmentFacts,
  orderDelivered: Type.Boolean(),
  at: DateTime,
});

/** The carrier reported a problem (address not found, damaged, refused...): for admins to act on. */
export const ShipmentException = Type.Object({
  ...ShipmentFacts,
  code: Type.String({ minLength: 1 }),
  description: Type.String(),
  at: DateTime,
});

/** One returned line: how many units and what the customer paid for them (unit price x quantity). */
export const ReturnedLine = Type.Object({
  productId: Uuid,
  quantity: Type.Integer({ minimum: 1 }),
  amount: Money,
});

/**
 * The carrier delivered a return parcel to the store: inventory puts the units back on hand there,
 * payments refunds `refund` (the paid amount of the lines, shipping not included), invoices issues
 * a credit note. `returnId` is unique: each of them acts on it once.
 */
export const ReturnReceived = Type.Object({
  returnId: Uuid,
  orderId: Uuid,
  userId: Uuid,
  storeId: Uuid,
  lines: Type.Array(ReturnedLine, { minItems: 1 }),
  refund: Money,
  at: DateTime,
});

/** A customer asked to return lines of a delivered order; the return label is ready. */
export const ReturnRequested = Type.Object({
  returnId: Uuid,
  orderId: Uuid,
  userId: Uuid,
  storeId: Uuid,
  carrier: Type.String({ minLength: 1 }),
  trackingNumber: Type.String({ minLength: 1 }),
  lines: Type.Array(ReturnedLine, { minItems: 1 }),
  /** Where the parcel goes back to (the store's address as shipping knows it), for the customer's mail. */
  returnTo: Type.Optional(Address),
});

export type ServiceLevel = Static<typeof ServiceLevel>;
export type ShippingCharge = Static<typeof ShippingCharge>;
export type ShipmentLine = Static<typeof ShipmentLine>;
export type ShipmentCreated = Static<typeof ShipmentCreated>;
export type ShipmentShipped = Static<typeof ShipmentShipped>;
export type ShipmentDelivered = Static<typeof ShipmentDelivered>;
export type ShipmentException = Static<typeof ShipmentException>;
export type ReturnedLine = Static<typeof ReturnedLine>;
export type ReturnReceived = Static<typeof ReturnReceived>;
export type ReturnRequested = Static<typeof ReturnRequested>;

export const shippingContracts = {
  'shipment.created': { 1: ShipmentCreated },
  'shipment.shipped': { 1: ShipmentShipped },
  'shipment.delivered': { 1: ShipmentDelivered },
  'shipment.exception': { 1: ShipmentException },
  'return.requested': { 1: ReturnRequested },
  'return.received': { 1: ReturnReceived },
};
