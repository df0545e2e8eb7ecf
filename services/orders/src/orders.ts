// Operations on orders shared by the HTTP routes, the event consumers and the sweeper. Each runs on
// an EntityManager inside the caller's transaction, and every event goes to the outbox of that same
// transaction: a status change and the event announcing it commit together or not at all.
import type {
  CancelReason,
  OrderCancelled,
  OrderConfirmed,
  OrderLine,
  OrderPlaced,
  OrderStatusChanged,
} from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import { addToOutbox, type Envelope, envelope } from '@mercato/messaging';
import { type EntityManager, LockMode } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { assertTransition, type OrderStatus } from './domain/status.ts';
import { Order, OrderItem, StatusChange } from './entities.ts';

export const SOURCE = 'orders';

/** Why a status changed, as recorded in the history: 'customer', 'payment.succeeded', 'timeout'... */
export type Cause = string;

export interface EventMeta {
  /** The event that caused this one, when there is one. */
  causationId?: string;
}

export async function findOrderForUpdate(em: EntityManager, id: string): Promise<Order | null> {
  return em.findOne(Order, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

export async function itemsOf(em: EntityManager, orderId: string): Promise<OrderItem[]> {
  return em.find(OrderItem, { orderId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

export function recordStatusChange(
  em: EntityManager,
  orderId: string,
  from: OrderStatus | null,
  to: OrderStatus,
  cause: Cause,
  at: Date,
): void {
  em.persist(em.create(StatusChange, { id: uuidv7(), orderId, fromStatus: from, toStatus: to, at, cause }));
}

export function eventLines(items: readonly ItemFields[]): OrderLine[] {
  return items.map((i) => ({
    itemId: i.id,
    productId: i.productId,
    quantity: i.quantity,
    unitPrice: { amount: normalizeAmount(i.unitAmount), currency: i.currency.trim() },
  }));
}

/** The fields of an order and its items that events and views are made of (entity or plain row). */
export type OrderFields = Pick<
  Order,
  | 'id'
  | 'userId'
  | 'status'
  | 'revision'
  | 'totalAmount'
  | 'currency'
  | 'shippingAddressId'
  | 'paymentMethod'
  | 'cancelReason'
  | 'paymentFailedAt'
  | 'paymentFailureReason'
  | 'createdAt'
  | 'updatedAt'
  | 'version'
>;
export type ItemFields = Pick<
  OrderItem,
  'id' | 'productId' | 'productName' | 'quantity' | 'unitAmount' | 'currency'
>;

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
  };
  return envelope(type, data, { source: SOURCE, correlationId: order.id, ...meta });
}

export async function emitLines(
  em: EntityManager,
  type: 'order.placed' | 'order.lines_changed',
  order: OrderFields,
  items: readonly ItemFields[],
  meta: EventMeta = {},
): Promise<void> {
  await addToOutbox(em, linesEvent(type, order, items, meta));
}

export async function emitCancelled(
  em: EntityManager,
  order: Order,
  reason: CancelReason,
  previousStatus: OrderStatus,
  meta: EventMeta = {},
): Promise<void> {
  const data: OrderCancelled = { orderId: order.id, userId: order.userId, reason, previousStatus };
  await addToOutbox(
    em,
    envelope('order.cancelled', data, { source: SOURCE, correlationId: order.id, ...meta }),
  );
}

/**
 * A declined payment of the order's current revision while it is PENDING and a retry window is open:
 * the order stays PENDING, remembers the failure (the window runs from the first one of the revision;
 * a declined retry does not extend it) and the history records it with its cause.
 */
export function recordPaymentFailure(
  em: EntityManager,
  order: Order,
  reason: string,
  cause: Cause,
  at = new Date(),
): void {
  order.paymentFailedAt ??= at;
  order.paymentFailureReason = reason;
  order.updatedAt = at;
  recordStatusChange(em, order.id, order.status, order.status, cause, at);
}

/** The order no longer waits for a payment retry (paid, or a new revision will be charged afresh). */
export function clearPaymentFailure(order: Order): void {
  order.paymentFailedAt = null;
  order.paymentFailureReason = null;
}

/**
 * Moves the order to `to` (409-worthy IllegalTransitionError if the machine forbids it), records the
 * change in the history, and emits the event that announces it.
 */
export async function transition(
  em: EntityManager,
  order: Order,
  to: OrderStatus,
  cause: { cause: Cause; cancelReason?: CancelReason } & EventMeta,
): Promise<void> {
  const from = order.status;
  assertTransition(from, to);
  const now = new Date();
  order.status = to;
  order.updatedAt = now;
  recordStatusChange(em, order.id, from, to, cause.cause, now);
  const meta = cause.causationId ? { causationId: cause.causationId } : {};
  switch (to) {
    case 'CANCELLED': {
      const reason = cause.cancelReason ?? 'admin';
      order.cancelReason = reason;
      await emitCancelled(em, order, reason, from, meta);
      break;
    }
    case 'CONFIRMED': {
      // Paid after all: the failure stays in the history, the order no longer awaits a payment.
      clearPaymentFailure(order);
      const items = await itemsOf(em, order.id);
      const data: OrderConfirmed = {
        orderId: order.id,
        userId: order.userId,
        revision: order.revision,
        lines: eventLines(items),
        total: { amount: normalizeAmount(order.totalAmount), currency: order.currency.trim() },
      };
      await addToOutbox(
        em,
        envelope('order.confirmed', data, { source: SOURCE, correlationId: order.id, ...meta }),
      );
      break;
    }
    case 'SHIPPED':
    case 'DELIVERED': {
      const data: OrderStatusChanged = {
        orderId: order.id,
        userId: order.userId,
        status: to,
        previousStatus: from,
      };
      const type = to === 'SHIPPED' ? 'order.shipped' : 'order.delivered';
      await addToOutbox(em, envelope(type, data, { source: SOURCE, correlationId: order.id, ...meta }));
      break;
    }
    case 'PENDING':
      break;
  }
}
