// Payments' business metrics: charges by outcome and refunds by outcome, counted once the outcome
// is committed (the callers count after their transaction), in memory: nothing is added to the SQL.
import { Counter, type Registry } from 'prom-client';
import type { PaymentResult } from './payment-rules.ts';

/** The reason the worker records when the provider never answered (see provider-worker.ts). */
const PROVIDER_UNAVAILABLE = 'provider_unavailable';

export type PaymentOutcome = 'captured' | 'declined' | 'failed';

/**
 * captured: the provider took the money; declined: the provider refused (the card, the funds);
 * failed: no answer from the provider after every try — ours or theirs to fix, not the customer's.
 */
export function paymentOutcomeOf(result: PaymentResult): PaymentOutcome {
  if (result.status === 'succeeded') return 'captured';
  return result.reason === PROVIDER_UNAVAILABLE ? 'failed' : 'declined';
}

export interface PaymentMetrics {
  payment(result: PaymentResult): void;
  refund(outcome: 'succeeded' | 'failed'): void;
}

export function paymentMetrics(registry: Registry): PaymentMetrics {
  const payments = new Counter({
    name: 'payments_total',
    help: 'Charges with a final outcome: captured, declined (refused by the provider), failed (provider unreachable)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const refunds = new Counter({
    name: 'refunds_total',
    help: 'Refunds with a final outcome: succeeded, failed (refused or provider unreachable: settle by hand)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return {
    payment: (result) => payments.inc({ outcome: paymentOutcomeOf(result) }),
    refund: (outcome) => refunds.inc({ outcome }),
  };
}
