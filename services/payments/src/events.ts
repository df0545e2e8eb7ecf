// The events payments emits, built from its rows; always written to the outbox by the transaction (or
// the statement) that records the outcome.
import type { PaymentFailed, PaymentRefunded, PaymentSucceeded } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { addToOutbox, type Envelope, envelope } from '@mercato/messaging';
import type { PaymentResult } from './domain/payment-rules.ts';
import type { Payment, Refund } from './entities.ts';

const SOURCE = 'payments';

const money = (amount: string, currency: string) => ({
  amount: normalizeAmount(amount),
  currency: currency.trim(),
});

/** payment.succeeded or payment.failed: `result` recorded on the pending `payment`. */
export function paymentOutcome(
  payment: Pick<Payment, 'id' | 'orderId' | 'userId' | 'revision' | 'amount' | 'currency' | 'causationId'>,
  result: PaymentResult,
): Envelope {
  const base = {
    paymentId: payment.id,
    orderId: payment.orderId,
    userId: payment.userId,
    revision: payment.revision,
    amount: money(payment.amount, payment.currency),
  };
  const meta = {
    source: SOURCE,
    correlationId: payment.orderId,
    causationId: payment.causationId ?? undefined,
  };
  if (result.status === 'succeeded') {
    const data: PaymentSucceeded = { ...base, providerRef: result.providerRef };
    return envelope('payment.succeeded', data, meta);
  }
  const data: PaymentFailed = { ...base, reason: result.reason };
  return envelope('payment.failed', data, meta);
}

export async function emitRefunded(em: EntityManager, refund: Refund): Promise<void> {
  const data: PaymentRefunded = {
    paymentId: refund.paymentId,
    refundId: refund.id,
    orderId: refund.orderId,
    userId: refund.userId,
    amount: money(refund.amount, refund.currency),
    reason: refund.reason,
  };
  await addToOutbox(
    em,
    envelope('payment.refunded', data, {
      source: SOURCE,
      correlationId: refund.orderId,
      causationId: refund.causationId ?? undefined,
    }),
  );
}
