// Payments' own tables. No `schema` here: the ORM's schema setting applies (payments, or a test's).
import { messagingEntities } from '@mercato/messaging';
import { defineEntity, p } from '@mikro-orm/core';
import type { PaymentStatus } from '../domain/payment-rules.ts';

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/**
 * One charge attempt for one order revision. `pending` rows are the work queue of the provider
 * worker: `tries` counts provider calls, `nextTryAt` is both the backoff and the lease.
 */
export const PaymentSchema = defineEntity({
  name: 'Payment',
  tableName: 'payment',
  properties: {
    id: p.uuid().primary(),
    orderId: p.uuid(),
    userId: p.uuid(),
    revision: p.integer(),
    attempt: p.integer(),
    amount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    paymentMethod: p.json<{ type: 'card'; token: string }>(),
    idempotencyKey: p.string().columnType('text'),
    status: p.string().columnType('text').$type<PaymentStatus>(),
    failureReason: p.string().columnType('text').nullable(),
    providerRef: p.string().columnType('text').nullable(),
    /** Refunds taken from this payment, pending ones included, so two refunds can never exceed it. */
    refundedAmount: p.decimal('string').precision(16).scale(4),
    tries: p.integer(),
    nextTryAt: p.datetime().columnType('timestamptz'),
    /** The event that asked for this charge (stock.reserved), when there was one. */
    causationId: p.uuid().nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});
export class Payment extends PaymentSchema.class {}
PaymentSchema.setClass(Payment);

export const RefundSchema = defineEntity({
  name: 'Refund',
  tableName: 'refund',
  properties: {
    id: p.uuid().primary(),
    paymentId: p.uuid(),
    orderId: p.uuid(),
    userId: p.uuid(),
    amount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    reason: p.string().columnType('text'),
    status: p.string().columnType('text').$type<RefundStatus>(),
    failureReason: p.string().columnType('text').nullable(),
    providerRef: p.string().columnType('text').nullable(),
    tries: p.integer(),
    nextTryAt: p.datetime().columnType('timestamptz'),
    causationId: p.uuid().nullable(),
    /** The return whose lines this refunds (return.received); unique: a return is refunded once. */
    returnId: p.uuid().nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});
export class Refund extends RefundSchema.class {}
RefundSchema.setClass(Refund);

/** Orders we learnt were cancelled: no charge for them any more, and a late capture is refunded. */
export const OrderCancellationSchema = defineEntity({
  name: 'OrderCancellation',
  tableName: 'order_cancellation',
  properties: {
    orderId: p.uuid().primary(),
    reason: p.string().columnType('text'),
    cancelledAt: p.datetime().columnType('timestamptz'),
  },
});
export class OrderCancellation extends OrderCancellationSchema.class {}
OrderCancellationSchema.setClass(OrderCancellation);

// No entity for idempotency_key: @mercato/idempotency reads and writes it with SQL (./idempotency.ts).
export const entities = [PaymentSchema, RefundSchema, OrderCancellationSchema, ...messagingEntities];
