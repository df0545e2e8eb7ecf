// The events payments emits, built from its rows; always written to the outbox by the transaction (or
// the statement) that records the outcome.
import type {
  PaymentFailed,
  PaymentRefunded,
  PaymentRetryStarted,
  PaymentSucceeded,
} from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import type { PaymentResult } from './payment-rules.ts';

const SOURCE = 'payments';

const money = (amount: string, currency: string) => ({
  amount: normalizeAmount(amount),
  currency: currency.trim(),
});

/** What an outcome event says about the pending payment it was recorded on. */
export interface ChargedPayment {
  id: string;
  orderId: string;
  userId: string;
  revision: number;
  amount: string;
  currency: string;
  causationId?: string | null;
}

/** payment.succeeded or payment.failed: `result` recorded on the pending `payment`. */
export function paymentOutcome(payment: ChargedPayment, result: PaymentResult): Envelope {
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

/**
 * payment.retry_started: a customer pays again (POST /payments). Written with the new attempt, before
 * the provider is called, so inventory stops offering the declined order's hold to other buyers.
 */
export function paymentRetryStarted(payment: {
  id: string;
  orderId: string;
  userId: string;
  revision: number;
  attempt: number;
}): Envelope<PaymentRetryStarted> {
  const data: PaymentRetryStarted = {
    paymentId: payment.id,
    orderId: payment.orderId,
    userId: payment.userId,
    revision: payment.revision,
    attempt: payment.attempt,
  };
  return envelope('payment.retry_started', data, { source: SOURCE, correlationId: payment.orderId });
}

/**
 * payment.refunded for a refund the provider confirmed; `returnId` when it paid back returned lines
 * (a partial refund: `amount` is what went back, never more than what was left of the capture).
 */
export function paymentRefunded(refund: {
  id: string;
  paymentId: string;
  orderId: string;
  userId: string;
  amount: string;
  currency: string;
  reason: string;
  causationId?: string | null;
  returnId?: string | null;
}): Envelope<PaymentRefunded> {
  const data: PaymentRefunded = {
    paymentId: refund.paymentId,
    refundId: refund.id,
    orderId: refund.orderId,
    userId: refund.userId,
    amount: money(refund.amount, refund.currency),
    reason: refund.reason,
    ...(refund.returnId ? { returnId: refund.returnId } : {}),
  };
  return envelope('payment.refunded', data, {
    source: SOURCE,
    correlationId: refund.orderId,
    causationId: refund.causationId ?? undefined,
  });
}
