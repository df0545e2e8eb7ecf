// The provider's answer for a pending refund: recorded with payment.refunded, or, when it failed,
// the amount given back to what can still be refunded.
import type { MikroORM } from '@mercato/db';
import { addToOutbox } from '@mercato/messaging';
import { paymentRefunded } from '../domain/events.ts';
import type { PaymentMetrics } from '../domain/payment-metrics.ts';
import { lockPayment } from '../persistence/payments.ts';
import { lockRefund, releaseRefund } from '../persistence/refunds.ts';

export type RefundResult =
  | { status: 'succeeded'; providerRef: string }
  | { status: 'failed'; reason: string };

/** Only while the refund is still pending: one outcome, one event. */
export async function recordRefundOutcome(
  orm: MikroORM,
  id: string,
  result: RefundResult,
  metrics?: PaymentMetrics,
): Promise<void> {
  let recorded = false;
  await orm.em.fork().transactional(async (em) => {
    const refund = await lockRefund(em, id);
    if (refund?.status !== 'pending') return;
    recorded = true;
    refund.status = result.status;
    refund.updatedAt = new Date();
    if (result.status === 'succeeded') {
      refund.providerRef = result.providerRef;
      await em.flush();
      addToOutbox(em, paymentRefunded(refund));
      return;
    }
    refund.failureReason = result.reason;
    const payment = await lockPayment(em, refund.paymentId);
    if (payment) releaseRefund(payment, refund);
  });
  // Counted once committed: a transaction that failed above has thrown instead.
  if (recorded) metrics?.refund(result.status);
}
