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
export const PaymentRefunded = Type.Object({
  paymentId: Uuid,
  refundId: Uuid,
  orderId: Uuid,
  userId: Uuid,
  amount: Money,
  reason: Type.String(),
});

export type PaymentSucceeded = Static<typeof PaymentSucceeded>;
export type PaymentFailed = Static<typeof PaymentFailed>;
export type PaymentRefunded = Static<typeof PaymentRefunded>;

export const paymentsContracts = {
  'payment.succeeded': { 1: PaymentSucceeded },
  'payment.failed': { 1: PaymentFailed },
  'payment.refunded': { 1: PaymentRefunded },
};
