// Every write of an order, from every path: the placement (ONE statement), payment.succeeded's
// confirmation (one conditional UPDATE), shipment.shipped / shipment.delivered's progress (ONE
// statement with its history and events), and the other status and line changes through the ORM.
// Each runs on an EntityManager inside the caller's transaction (a single statement is one), and every
// event goes to the outbox of that same transaction: a change and the event announcing it commit
// together or not at all.
import type { CancelReason, ServiceLevel, ShippingCharge } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Idempotency, IdempotentRequest, StoredResponse } from '@mercato/idempotency';
import {
  addToOutbox,
  type Envelope,
  insertIntoOutbox,
  outboxInsert,
  outboxStatementDone,
} from '@mercato/messaging';
import { LockMode } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import type { ShippingAddress } from '../domain/address.ts';
import {
  cancelledEvent,
  confirmedEvent,
  type EventMeta,
  linesEvent,
  paymentDeclinedEvent,
  shippingEvent,
} from '../domain/events.ts';
import type { Cause, ItemFields, OrderFields } from '../domain/order.ts';
import { shippingColumns } from '../domain/shipping.ts';
import { assertTransition, type OrderStatus } from '../domain/status.ts';
import { Order, OrderItem, StatusChange } from './entities.ts';
import { countPlaced, countTransition } from './order-metrics.ts';
import { schemaOf } from './sql.ts';

export interface Placement<V> {
  order: OrderFields;
  items: readonly ItemFields[];
  historyId: string;
  event: Envelope;
  /** the request's Idempotency-Key and the 201 it answers, recorded by the same statement */
  idempotency?: {
    keys: Idempotency<StoredResponse<V>>;
    request: IdempotentRequest;
    response: StoredResponse<V>;
  };
}

/**
 * The hot path's write: the order, its items, the first history entry, the order.placed outbox row
 * and the Idempotency-Key record go to PostgreSQL as ONE statement (data-modifying CTEs), which is
 * atomic on its own. One round trip instead of BEGIN + five INSERTs + COMMIT keeps the connection
 * held for the shortest time, which is what latency at 50 concurrent requests depends on.
 * A concurrent request with the same key makes it fail with a unique violation.
 */
export async function insertPlacement<V>(em: EntityManager, p: Placement<V>): Promise<void> {
  const s = schemaOf(em);
  const { order } = p;
  const at = order.createdAt.toISOString();
  const items = p.items.map((i) => ({
    id: i.id,
    product_id: i.productId,
    product_name: i.productName,
    quantity: i.quantity,
    unit_amount: i.unitAmount,
  }));
  // The outbox row as addToOutbox would write it (with this request's trace context).
  const outbox = outboxInsert(em, [p.event]);
  const key = p.idempotency
    ? p.idempotency.keys.insertFragment(em, p.idempotency.request, p.idempotency.response, order.createdAt)
    : { sql: 'select 1', params: [] };
  let written = false;
  try {
    await em.execute(
      `with new_order as (
       insert into ${s}.orders (id, user_id, status, revision, total_amount, currency, shipping_address_id,
         shipping_address, payment_method, shipping_quote_id, shipping_level, shipping_amount, created_at,
         updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::uuid, ?, ?::numeric, ?::timestamptz, ?::timestamptz)
     ), new_items as (
       insert into ${s}.order_item (id, order_id, product_id, product_name, quantity, unit_amount, currency, created_at)
       select x.id, ?, x.product_id, x.product_name, x.quantity, x.unit_amount, ?, ?::timestamptz
       from jsonb_to_recordset(?::jsonb) as x(id uuid, product_id uuid, product_name text, quantity integer,
         unit_amount numeric)
     ), new_history as (
       insert into ${s}.order_status_history (id, order_id, from_status, to_status, at, cause)
       values (?, ?, null, ?, ?::timestamptz, 'placed')
     ), new_event as (
       ${outbox.sql}
     )
     ${key.sql}`,
      [
        order.id,
        order.userId,
        order.status,
        order.revision,
        order.totalAmount,
        order.currency,
        order.shippingAddressId,
        order.shippingAddress ? JSON.stringify(order.shippingAddress) : null,
        JSON.stringify(order.paymentMethod),
        order.shippingQuoteId ?? null,
        order.shippingLevel ?? null,
        order.shippingAmount ?? null,
        at,
        order.updatedAt.toISOString(),
        order.id,
        order.currency,
        at,
        JSON.stringify(items),
        p.historyId,
        order.id,
        order.status,
        at,
        ...outbox.params,
        ...key.params,
      ],
    );
    written = true;
  } finally {
    // One statement outside a transaction has no commit event: say it is over, so the relay sends
    // order.placed now (and stops looking for it).
    outboxStatementDone(em, written);
  }
  countPlaced(em);
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

export function emitLines(
  em: EntityManager,
  type: 'order.placed' | 'order.lines_changed',
  order: OrderFields,
  items: readonly ItemFields[],
  meta: EventMeta = {},
): void {
  addToOutbox(em, linesEvent(type, order, items, meta));
}

/** Announces order.cancelled (also again, for an order cancelled or deleted before a capture landed). */
export function emitCancelled(
  em: EntityManager,
  order: Pick<OrderFields, 'id' | 'userId'>,
  reason: CancelReason,
  previousStatus: OrderStatus,
  meta: EventMeta = {},
): void {
  addToOutbox(em, cancelledEvent(order, reason, previousStatus, meta));
}

interface ConfirmedRow {
  id: string;
  user_id: string;
  revision: number;
  total_amount: string;
  currency: string;
  shipping_address: ShippingAddress | null;
  shipping_quote_id: string | null;
  shipping_level: ServiceLevel | null;
  shipping_amount: string | null;
  created_at: Date | string;
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
 * payment failure), inserts the history entry and returns the order with its lines (and its address
 * snapshot and shipping line) for order.confirmed; a second inserts that event into the outbox. Returns false, having changed
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
  em: EntityManager,
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
       returning id, user_id, revision, total_amount, currency, shipping_address, shipping_quote_id,
         shipping_level, shipping_amount, created_at
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
  countTransition(em, { from: 'PENDING', to: 'CONFIRMED', createdAt: new Date(order.created_at) });
  const items: ItemFields[] = rows.flatMap((r) =>
    r.item_id === null
      ? []
      : [
          {
            id: r.item_id,
            productId: r.product_id,
            productName: r.product_name,
            quantity: r.quantity,
            unitAmount: r.unit_amount,
            currency: r.item_currency,
          },
        ],
  );
  const meta = cause.causationId ? { causationId: cause.causationId } : {};
  const event = confirmedEvent(
    {
      id: order.id,
      userId: order.user_id,
      revision: order.revision,
      totalAmount: order.total_amount,
      currency: order.currency,
      shippingAddress: order.shipping_address,
      shippingQuoteId: order.shipping_quote_id,
      shippingLevel: order.shipping_level,
      shippingAmount: order.shipping_amount,
    },
    items,
    meta,
  );
  await insertIntoOutbox(em, [event]);
  return true;
}

/** One transition of a walk along the shipping statuses (CONFIRMED → SHIPPED → DELIVERED). */
export interface ShippingStep {
  from: OrderStatus;
  to: 'SHIPPED' | 'DELIVERED';
}

/**
 * shipment.shipped / shipment.delivered's common case, without loading the order into the ORM: the
 * order, locked, is walked along `steps` (consecutive transitions ending at the event's target) from
 * the step whose `from` is its status, as `transition` does each of them — ONE statement updates the
 * order (status, updated_at, `version` bumped once), records a history entry per step taken and
 * inserts each taken step's event (order.shipped / order.delivered) into the outbox. A consumer's
 * handler used to lock (SELECT … FOR UPDATE), then flush an INSERT per history entry and per event and
 * the UPDATE: three to five round trips more per event (issue 14).
 *
 * Returns the steps taken. None, having changed nothing, when the order's status is no step's `from`
 * (unknown, PENDING, CANCELLED, there already) or its user is not `order.userId` (the events are built
 * beforehand with it): the caller then loads the order to find out which.
 *
 * `for update of o` takes the lock `findOrderForUpdate` takes, so this serializes with every other
 * change of the order. After waiting for one, PostgreSQL checks the row as that change left it against
 * the step it had matched: a status changed meanwhile moves nothing here (the caller's fallback sees
 * the new one), any other change is kept and the UPDATE applies to that row version (no lost update).
 */
export async function advanceShipping(
  em: EntityManager,
  order: Pick<OrderFields, 'id' | 'userId'>,
  steps: readonly ShippingStep[],
  cause: { cause: Cause } & EventMeta,
): Promise<ShippingStep[]> {
  const s = schemaOf(em);
  const at = new Date();
  const meta = cause.causationId ? { causationId: cause.causationId } : {};
  // Numbered from 1: an order at step n's `from` takes steps n, n + 1, …
  const numbered = steps.map((step, i) => ({
    n: i + 1,
    history_id: uuidv7(),
    from_status: step.from,
    to_status: step.to,
  }));
  // Each step's event goes to the outbox only when that step is taken.
  const events = steps.map((step, i) => ({
    name: `event_${i + 1}`,
    ...outboxInsert(em, [shippingEvent(order, step.to, step.from, meta)], {
      from: 'moved',
      where: `moved.first_step <= ${i + 1}`,
    }),
  }));
  const rows: { first_step: number }[] = await em.execute(
    `with steps as (
       select * from jsonb_to_recordset(?::jsonb)
         as x(n integer, history_id uuid, from_status text, to_status text)
     ), locked as (
       select o.id, steps.n as first_step from ${s}.orders o join steps on steps.from_status = o.status
       where o.id = ? and o.user_id = ?
       for update of o
     ), moved as (
       update ${s}.orders o set status = ?, updated_at = ?::timestamptz, version = o.version + 1
       from locked where o.id = locked.id
       returning locked.first_step
     ), history as (
       insert into ${s}.order_status_history (id, order_id, from_status, to_status, at, cause)
       select steps.history_id, ?, steps.from_status, steps.to_status, ?::timestamptz, ?
       from moved join steps on steps.n >= moved.first_step
     ), ${events.map((e) => `${e.name} as (${e.sql})`).join(', ')}
     select first_step from moved`,
    [
      JSON.stringify(numbered),
      order.id,
      order.userId,
      steps.at(-1)!.to,
      at.toISOString(),
      order.id,
      at.toISOString(),
      cause.cause,
      ...events.flatMap((e) => e.params),
    ],
  );
  const first = rows[0]?.first_step;
  if (first === undefined) return [];
  const taken = steps.slice(first - 1);
  for (const step of taken) countTransition(em, { from: step.from, to: step.to });
  return taken;
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

/** Announces order.payment_declined: the customer may pay again until `retryUntil`. */
export function emitPaymentDeclined(
  em: EntityManager,
  order: Pick<OrderFields, 'id' | 'userId' | 'revision' | 'totalAmount' | 'currency'>,
  reason: string,
  retryUntil: Date,
  meta: EventMeta = {},
): void {
  addToOutbox(em, paymentDeclinedEvent(order, reason, retryUntil, meta));
}

/** The order no longer waits for a payment retry (paid, or a new revision will be charged afresh). */
export function clearPaymentFailure(order: Order): void {
  order.paymentFailedAt = null;
  order.paymentFailureReason = null;
}

/**
 * Moves the order to `to` (IllegalTransitionError if the machine forbids it), records the change in
 * the history, and emits the event that announces it.
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
  countTransition(em, {
    from,
    to,
    createdAt: order.createdAt,
    cancelReason: to === 'CANCELLED' ? (cause.cancelReason ?? 'admin') : undefined,
  });
  const meta = cause.causationId ? { causationId: cause.causationId } : {};
  switch (to) {
    case 'CANCELLED': {
      const reason = cause.cancelReason ?? 'admin';
      order.cancelReason = reason;
      emitCancelled(em, order, reason, from, meta);
      break;
    }
    case 'CONFIRMED': {
      // Paid after all: the failure stays in the history, the order no longer awaits a payment.
      clearPaymentFailure(order);
      addToOutbox(em, confirmedEvent(order, await itemsOf(em, order.id), meta));
      break;
    }
    case 'SHIPPED':
    case 'DELIVERED':
      addToOutbox(em, shippingEvent(order, to, from, meta));
      break;
    case 'PENDING':
      break;
  }
}

/**
 * A new revision of the lines: recomputed total, revision bumped, an earlier revision's declined
 * payment forgotten, and order.lines_changed so inventory redoes the reservation for it. `shipping`:
 * the shipping line of the new revision (a new quote's, or the one the order had).
 */
export function reviseLines(
  em: EntityManager,
  order: Order,
  items: readonly OrderItem[],
  totalAmount: string,
  shipping?: ShippingCharge,
): void {
  Object.assign(order, shippingColumns(shipping));
  order.totalAmount = totalAmount;
  order.revision += 1;
  order.updatedAt = new Date();
  // The new revision is reserved and charged afresh: an earlier revision's declined payment (and
  // its retry window) no longer concerns it.
  clearPaymentFailure(order);
  emitLines(em, 'order.lines_changed', order, items);
}

export function addItem(em: EntityManager, fields: ItemFields & { orderId: string }): OrderItem {
  return em.create(OrderItem, { ...fields, createdAt: new Date() });
}

export function removeItem(em: EntityManager, item: OrderItem): void {
  em.remove(item);
}

export function removeOrder(em: EntityManager, order: Order): void {
  em.remove(order);
}

/**
 * Up to `limit` PENDING orders past a deadline, locked for this transaction; rows another replica
 * holds are skipped (SKIP LOCKED), so two sweepers never cancel one order twice.
 */
export function claimExpiredOrders(
  em: EntityManager,
  rules: { timeoutMs: number; paymentRetryWindowMs: number },
  now: number,
  limit: number,
): Promise<Order[]> {
  return em.find(
    Order,
    {
      status: 'PENDING',
      $or: [
        { createdAt: { $lt: new Date(now - rules.timeoutMs) } },
        { paymentFailedAt: { $lt: new Date(now - rules.paymentRetryWindowMs) } },
      ],
    },
    { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, limit, orderBy: { createdAt: 'asc' } },
  );
}
