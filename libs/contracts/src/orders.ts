import { type Static, Type } from 'typebox';
import { Address, DateTime, Money, Uuid } from './common.ts';
import { ShippingCharge } from './shipping.ts';

export const OrderLine = Type.Object({
  itemId: Uuid,
  productId: Uuid,
  /** The product's name when the order was placed (for invoices and mails); absent in older events. */
  productName: Type.Optional(Type.String({ minLength: 1 })),
  quantity: Type.Integer({ minimum: 1 }),
  /** Snapshotted at placement from the orders service's price read model. */
  unitPrice: Money,
});

/** How the customer pays: a token or test card number the payment provider understands. */
export const PaymentMethod = Type.Object({
  type: Type.Literal('card'),
  token: Type.String({ minLength: 1 }),
});

/**
 * order.placed and order.lines_changed carry everything downstream needs (event-carried state):
 * inventory reserves the lines, and echoes total and paymentMethod in stock.reserved so payments
 * can charge without reading the order. `revision` grows with every line change; a reservation
 * or charge is for one revision.
 */
export const OrderPlaced = Type.Object({
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer({ minimum: 1 }),
  lines: Type.Array(OrderLine, { minItems: 1 }),
  total: Money,
  paymentMethod: PaymentMethod,
  shippingAddressId: Uuid,
  shippingAddress: Type.Optional(Address),
  /** The chosen shipping option; `total` includes its price. Absent: the order has no shipping line. */
  shipping: Type.Optional(ShippingCharge),
});
export const OrderLinesChanged = OrderPlaced;

export const OrderConfirmed = Type.Object({
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer({ minimum: 1 }),
  lines: Type.Array(OrderLine),
  total: Money,
  /** Where the parcels go (the address snapshotted at placement); absent in older events. */
  shippingAddress: Type.Optional(Address),
  /** The shipping line of the order, when it has one (included in `total`). */
  shipping: Type.Optional(ShippingCharge),
});

export const CancelReason = Type.Union([
  Type.Literal('out_of_stock'),
  Type.Literal('payment_failed'),
  Type.Literal('customer'),
  Type.Literal('timeout'),
  Type.Literal('admin'),
]);
export const OrderCancelled = Type.Object({
  orderId: Uuid,
  userId: Uuid,
  reason: CancelReason,
  previousStatus: Type.String(),
});

/**
 * A payment of a PENDING order was declined: the customer may pay again (POST /payments) until
 * `retryUntil`; after that the order is cancelled (payment_failed). Written by orders, which owns the
 * window, in the transaction that records the failure.
 */
export const OrderPaymentDeclined = Type.Object({
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer({ minimum: 1 }),
  total: Money,
  reason: Type.String(),
  retryUntil: DateTime,
});

/** Admin or shipping moved the order on: SHIPPED (inventory commits the stock) or DELIVERED. */
export const OrderStatusChanged = Type.Object({
  orderId: Uuid,
  userId: Uuid,
  status: Type.String(),
  previousStatus: Type.String(),
});

export type OrderLine = Static<typeof OrderLine>;
export type PaymentMethod = Static<typeof PaymentMethod>;
export type OrderPlaced = Static<typeof OrderPlaced>;
export type OrderLinesChanged = Static<typeof OrderLinesChanged>;
export type OrderConfirmed = Static<typeof OrderConfirmed>;
export type CancelReason = Static<typeof CancelReason>;
export type OrderCancelled = Static<typeof OrderCancelled>;
export type OrderStatusChanged = Static<typeof OrderStatusChanged>;
export type OrderPaymentDeclined = Static<typeof OrderPaymentDeclined>;

export const ordersContracts = {
  'order.placed': { 1: OrderPlaced },
  'order.lines_changed': { 1: OrderLinesChanged },
  'order.confirmed': { 1: OrderConfirmed },
  'order.cancelled': { 1: OrderCancelled },
  'order.payment_declined': { 1: OrderPaymentDeclined },
  'order.shipped': { 1: OrderStatusChanged },
  'order.delivered': { 1: OrderStatusChanged },
};
