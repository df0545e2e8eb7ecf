// The events payments emits, built from its rows; always added to the outbox inside the transaction
// that records the outcome.
import type { PaymentFailed, PaymentRefunded, PaymentSucceeded } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { addToOutbox, envelope } from '@mercato/messaging';
import type { Payment, Refund } from './entities.ts';

const SOURCE = 'payments';

const money = (amount: string, currency: string) => ({
  amount: normalizeAmount(amount),
  currency: currency.trim(),
});

export async function emitPaymentOutcome(em: EntityManager, payment: Payment): Promise<void> {
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
  if (payment.status === 'succeeded') {
    const data: PaymentSucceeded = { ...base, providerRef: payment.providerRef ?? '' };
    await addToOutbox(em, envelope('payment.succeeded', data, meta));
  } else {
    const data: PaymentFailed = { ...base, reason: payment.failureReason ?? 'unknown' };
    await addToOutbox(em, envelope('payment.failed', data, meta));
  }
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
