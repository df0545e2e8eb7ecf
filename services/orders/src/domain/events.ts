// The events orders announces, built from an order and its lines (entity or plain row). Writing them
// to the outbox is persistence's job, in the transaction of the change they announce.
import type {
  CancelReason,
  OrderCancelled,
  OrderConfirmed,
  OrderLine,
  OrderPaymentDeclined,
  OrderPlaced,
  OrderStatusChanged,
} from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import type { ItemFields, OrderFields } from './order.ts';
import { shippingChargeOf } from './shipping.ts';
import type { OrderStatus } from './status.ts';

export const SOURCE = 'orders';

export interface EventMeta {
  /** The event that caused this one, when there is one. */
  causationId?: string;
}

export function eventLines(items: readonly ItemFields[]): OrderLine[] {
  return items.map((i) => ({
    itemId: i.id,
    productId: i.productId,
    ...(i.productName ? { productName: i.productName } : {}),
    quantity: i.quantity,
    unitPrice: { amount: normalizeAmount(i.unitAmount), currency: i.currency.trim() },
  }));
}

/** order.placed (revision 1) or order.lines_changed (later revisions): the same full picture. */
export function linesEvent(
  type: 'order.placed' | 'order.lines_changed',
  order: OrderFields,
  items: readonly ItemFields[],
  meta: EventMeta = {},
): Envelope<OrderPlaced> {
  const data: OrderPlaced = {
    orderId: order.id,
    userId: order.userId,
    revision: order.revision,
    lines: eventLines(items),
    total: { amount: normalizeAmount(order.totalAmount), currency: order.currency.trim() },
    paymentMethod: order.paymentMethod,
    shippingAddressId: order.shippingAddressId,
    // The snapshot (invoices print it); absent for orders placed before orders kept one.
    ...(order.shippingAddress ? { shippingAddress: order.shippingAddress } : {}),
    ...shippingOf(order),
  };
  return envelope(type, data, { source: SOURCE, correlationId: order.id, ...meta });
}

/** `shipping` for an event's data: the order's shipping line (included in `total`), when it has one. */
function shippingOf(order: Parameters<typeof shippingChargeOf>[0]) {
  const shipping = shippingChargeOf(order);
  return shipping ? { shipping } : {};
}

export function cancelledEvent(
  order: Pick<OrderFields, 'id' | 'userId'>,
  reason: CancelReason,
  previousStatus: OrderStatus,
  meta: EventMeta = {},
): Envelope<OrderCancelled> {
  const data: OrderCancelled = { orderId: order.id, userId: order.userId, reason, previousStatus };
  return envelope('order.cancelled', data, { source: SOURCE, correlationId: order.id, ...meta });
}

/**
 * order.confirmed: the paid revision's lines and total (from the ORM's entities or plain rows), with
 * the address snapshot and the shipping line: shipping sends the parcels from them.
 */
export function confirmedEvent(
  order: Pick<
    OrderFields,
    | 'id'
    | 'userId'
    | 'revision'
    | 'totalAmount'
    | 'currency'
    | 'shippingAddress'
    | 'shippingQuoteId'
    | 'shippingLevel'
    | 'shippingAmount'
  >,
  items: readonly ItemFields[],
  meta: EventMeta = {},
): Envelope<OrderConfirmed> {
  const data: OrderConfirmed = {
    orderId: order.id,
    userId: order.userId,
    revision: order.revision,
    lines: eventLines(items),
    total: { amount: normalizeAmount(order.totalAmount), currency: order.currency.trim() },
    // Absent for orders placed before snapshots, and after the customer's account was erased.
    ...(order.shippingAddress ? { shippingAddress: order.shippingAddress } : {}),
    ...shippingOf(order),
  };
  return envelope('order.confirmed', data, { source: SOURCE, correlationId: order.id, ...meta });
}

/**
 * order.payment_declined: a payment of the PENDING order was declined and the customer may pay again
 * until `retryUntil` (the end of the payment retry window, as GET /orders/{id} shows it).
 */
export function paymentDeclinedEvent(
  order: Pick<OrderFields, 'id' | 'userId' | 'revision' | 'totalAmount' | 'currency'>,
  reason: string,
  retryUntil: Date,
  meta: EventMeta = {},
): Envelope<OrderPaymentDeclined> {
  const data: OrderPaymentDeclined = {
    orderId: order.id,
    userId: order.userId,
    revision: order.revision,
    total: { amount: normalizeAmount(order.totalAmount), currency: order.currency.trim() },
    reason,
    retryUntil: retryUntil.toISOString(),
  };
  return envelope('order.payment_declined', data, { source: SOURCE, correlationId: order.id, ...meta });
}

/** order.shipped / order.delivered. */
export function shippingEvent(
  order: Pick<OrderFields, 'id' | 'userId'>,
  to: 'SHIPPED' | 'DELIVERED',
  from: OrderStatus,
  meta: EventMeta = {},
): Envelope<OrderStatusChanged> {
  const data: OrderStatusChanged = {
    orderId: order.id,
    userId: order.userId,
    status: to,
    previousStatus: from,
  };
  const type = to === 'SHIPPED' ? 'order.shipped' : 'order.delivered';
  return envelope(type, data, { source: SOURCE, correlationId: order.id, ...meta });
}
