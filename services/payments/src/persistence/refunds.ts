// The refund table: refunds reserve their amount on the payment they are taken from.
import { fromUnits, toUnits } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { LockMode } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { type Payment, Refund } from './entities.ts';
import { DUE_AT_ONCE } from './payments.ts';

/**
 * Reserves `amount` of the payment's capture for a new refund; the caller holds the payment row.
 * `returnId`: the return whose lines it refunds (unique: a second refund of one return fails at flush).
 * `leaseMs`: the refund is recorded already leased to the caller (`tries` 1), who sends it to the
 * provider itself after the commit; a poll of another worker takes it only if the caller dies.
 */
export function addRefund(
  em: EntityManager,
  payment: Payment,
  amount: string,
  reason: string,
  causationId?: string,
  returnId?: string,
  leaseMs?: number,
): Refund {
  payment.refundedAmount = fromUnits(toUnits(payment.refundedAmount) + toUnits(amount));
  payment.updatedAt = new Date();
  const now = new Date();
  return em.create(Refund, {
    id: uuidv7(),
    paymentId: payment.id,
    orderId: payment.orderId,
    userId: payment.userId,
    amount,
    currency: payment.currency.trim(),
    reason,
    status: 'pending',
    failureReason: null,
    providerRef: null,
    tries: leaseMs === undefined ? 0 : 1,
    nextTryAt: leaseMs === undefined ? DUE_AT_ONCE : new Date(now.getTime() + leaseMs),
    causationId: causationId ?? null,
    returnId: returnId ?? null,
    createdAt: now,
    updatedAt: now,
  });
}

/** A refund that did not happen gives its amount back to what can still be refunded. */
export function releaseRefund(payment: Payment, refund: Refund): void {
  payment.refundedAmount = fromUnits(toUnits(payment.refundedAmount) - toUnits(refund.amount));
  payment.updatedAt = new Date();
}

export function lockRefund(em: EntityManager, id: string): Promise<Refund | null> {
  return em.findOne(Refund, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** The refund of a return, if it was recorded. */
export function findReturnRefund(em: EntityManager, returnId: string): Promise<Refund | null> {
  return em.findOne(Refund, { returnId });
}

export function findRefundOrFail(em: EntityManager, id: string): Promise<Refund> {
  return em.findOneOrFail(Refund, { id });
}
