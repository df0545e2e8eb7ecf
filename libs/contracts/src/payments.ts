import { type Static, Type } from 'typebox';
import { Money, Uuid } from './common.ts';

export const PaymentSucceeded = Type.Object({
  paymentId: Uuid,
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer({ minimum: 1 }),
  amount: Money,
  providerRef: Type.String(),
});
export const PaymentFailed = Type.Object({
  paymentId: Uuid,
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer({ minimum: 1 }),
  amount: Money,
  reason: Type.String(),
});
/**
 * A customer started paying again an order whose payment failed (POST /payments): inventory keeps
 * the order's hold for this attempt (a declined order's hold otherwise yields to other buyers).
 */
export const PaymentRetryStarted = Type.Object({
  paymentId: Uuid,
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer({ minimum: 1 }),
  attempt: Type.Integer({ minimum: 2 }),
});
export const PaymentRefunded = Type.Object({
  paymentId: Uuid,
  refundId: Uuid,
  orderId: Uuid,
  userId: Uuid,
  amount: Money,
  reason: Type.String(),
  /** Set when the refund is for returned lines (return.received): a partial refund of the payment. */
  returnId: Type.Optional(Uuid),
});

export type PaymentSucceeded = Static<typeof PaymentSucceeded>;
export type PaymentFailed = Static<typeof PaymentFailed>;
export type PaymentRetryStarted = Static<typeof PaymentRetryStarted>;
export type PaymentRefunded = Static<typeof PaymentRefunded>;

export const paymentsContracts = {
  'payment.succeeded': { 1: PaymentSucceeded },
  'payment.failed': { 1: PaymentFailed },
  'payment.retry_started': { 1: PaymentRetryStarted },
  'payment.refunded': { 1: PaymentRefunded },
};
