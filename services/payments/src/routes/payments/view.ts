import { fromUnits, normalizeAmount, toUnits } from '@mercato/contracts';
import type { Payment, Refund } from '../../persistence/entities.ts';
import type { PaymentView, RefundView } from './schemas.ts';

const money = (amount: string, currency: string) => ({
  amount: normalizeAmount(amount),
  currency: currency.trim(),
});

export function toRefundView(r: Refund): RefundView {
  return {
    id: r.id,
    paymentId: r.paymentId,
    orderId: r.orderId,
    amount: money(r.amount, r.currency),
    reason: r.reason,
    status: r.status,
    ...(r.failureReason ? { failureReason: r.failureReason } : {}),
    ...(r.providerRef ? { providerRef: r.providerRef } : {}),
    ...(r.returnId ? { returnId: r.returnId } : {}),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function toPaymentView(p: Payment, refunds: Refund[]): PaymentView {
  return {
    id: p.id,
    orderId: p.orderId,
    userId: p.userId,
    revision: p.revision,
    attempt: p.attempt,
    amount: money(p.amount, p.currency),
    status: p.status,
    ...(p.failureReason ? { failureReason: p.failureReason } : {}),
    ...(p.providerRef ? { providerRef: p.providerRef } : {}),
    refunded: money(p.refundedAmount, p.currency),
    // Only a capture can be refunded; what is reserved by refunds in flight is not available either.
    refundable: money(
      p.status === 'succeeded' ? fromUnits(toUnits(p.amount) - toUnits(p.refundedAmount)) : '0',
      p.currency,
    ),
    refunds: refunds.map(toRefundView),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
