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
import type { EntityManager as SqlEntityManager } from '@mercato/db';
import { addToOutbox, type Envelope, envelope } from '@mercato/messaging';
import { type EntityManager, LockMode } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { assertTransition, type OrderStatus } from './domain/status.ts';
import { Order, OrderItem, StatusChange } from './entities.ts';
import { insertOutbox, schemaOf } from './sql.ts';

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
    ...(i.productName ? { productName: i.productName } : {}),
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

/** order.confirmed: the paid revision's lines and total (from the ORM's entities or plain rows). */
export function confirmedEvent(
  order: Pick<OrderFields, 'id' | 'userId' | 'revision' | 'totalAmount' | 'currency'>,
  items: readonly ItemFields[],
  meta: EventMeta = {},
): Envelope<OrderConfirmed> {
  const data: OrderConfirmed = {
    orderId: order.id,
    userId: order.userId,
    revision: order.revision,
    lines: eventLines(items),
    total: { amount: normalizeAmount(order.totalAmount), currency: order.currency.trim() },
  };
  return envelope('order.confirmed', data, { source: SOURCE, correlationId: order.id, ...meta });
}

interface ConfirmedRow {
  id: string;
  user_id: string;
  revision: number;
  total_amount: string;
  currency: string;
  item_id: string | null;
  product_id: string;
  product_name: string;
  quantity: number;
  unit_amount: string;
  item_currency: string;
}

/**
 * payment.succeeded's common case, without loading the order into the ORM: PENDING → CONFIRMED
 * (what `transition` does, cause and history included) when the order is PENDING and the payment is
 * not for an older revision. One statement updates the order (bumping `version`, clearing a recorded
 * payment failure), inserts the history entry and returns the order with its lines for
 * order.confirmed; a second inserts that event into the outbox. Returns false, having changed
 * nothing, when the order is not PENDING at that revision (unknown, cancelled, stale, already
 * confirmed): the caller then loads it to find out which.
 *
 * The row lock of the UPDATE serializes it with every other change of the order, as `findOrderForUpdate`
 * does. The lines are read from the statement's snapshot, which may predate a change that committed
 * while the UPDATE waited for the lock; they are still those of the paid revision: lines change only
 * with a new revision (which then fails `revision <= ?`), and a payment for a revision exists only
 * after that revision was committed, so before this statement began.
 */
export async function confirmPaid(
  em: SqlEntityManager,
  orderId: string,
  revision: number,
  cause: { cause: Cause } & EventMeta,
): Promise<boolean> {
  const s = schemaOf(em);
  const at = new Date().toISOString();
  const rows: ConfirmedRow[] = await em.execute(
    `with confirmed as (
       update ${s}.orders set status = 'CONFIRMED', updated_at = ?::timestamptz,
         payment_failed_at = null, payment_failure_reason = null, version = version + 1
       where id = ? and status = 'PENDING' and revision <= ?
       returning id, user_id, revision, total_amount, currency
     ), history as (
       insert into ${s}.order_status_history (id, order_id, from_status, to_status, at, cause)
       select ?, id, 'PENDING', 'CONFIRMED', ?::timestamptz, ? from confirmed
     )
     select c.*, i.id as item_id, i.product_id, i.product_name, i.quantity, i.unit_amount,
       i.currency as item_currency
     from confirmed c left join ${s}.order_item i on i.order_id = c.id
     order by i.created_at, i.id`,
    [at, orderId, revision, uuidv7(), at, cause.cause],
  );
  const order = rows[0];
  if (!order) return false;
  const items = rows
    .filter((r) => r.item_id !== null)
    .map((r) => ({
      id: r.item_id!,
      productId: r.product_id,
      productName: r.product_name,
      quantity: r.quantity,
      unitAmount: r.unit_amount,
      currency: r.item_currency,
    }));
  const meta = cause.causationId ? { causationId: cause.causationId } : {};
  await insertOutbox(
    em,
    confirmedEvent(
      {
        id: order.id,
        userId: order.user_id,
        revision: order.revision,
        totalAmount: order.total_amount,
        currency: order.currency,
      },
      items,
      meta,
    ),
  );
  return true;
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
      await addToOutbox(em, confirmedEvent(order, await itemsOf(em, order.id), meta));
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
