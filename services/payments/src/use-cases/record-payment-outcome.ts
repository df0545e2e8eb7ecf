// The provider's answer for a pending charge: recorded with its event (payment.succeeded /
// payment.failed), and a capture that came too late — the order cancelled, or a newer revision
// recorded meanwhile — refunded at once.
import { normalizeAmount } from '@mercato/contracts';
import type { MikroORM } from '@mercato/db';
import { paymentOutcome } from '../domain/events.ts';
import type { PaymentMetrics } from '../domain/payment-metrics.ts';
import { type PaymentResult, refundsDue } from '../domain/payment-rules.ts';
import type { Payment } from '../persistence/entities.ts';
import { findPaymentOrFail, lateCaptureCheck, recordOutcome } from '../persistence/payments.ts';
import { addRefund } from '../persistence/refunds.ts';

/**
 * Records `result` on the leased `payment`, only while it is still pending: if another worker got
 * there first (this call outlived its lease), nothing — one outcome, one event. The event comes from
 * the leased row, which holds everything it says. Returns whether a refund was recorded (the worker
 * has work).
 */
export async function recordPaymentOutcome(
  orm: MikroORM,
  payment: Payment,
  result: PaymentResult,
  metrics?: PaymentMetrics,
): Promise<boolean> {
  const event = paymentOutcome(payment, result);
  // A failure needs nothing more, and one statement is atomic without a transaction around it.
  if (result.status === 'failed') {
    if (await recordOutcome(orm.em.fork(), payment.id, result, event)) metrics?.payment(result);
    return false;
  }
  let refundDue = false;
  let recorded = false;
  await orm.em.fork().transactional(async (em) => {
    if (!(await recordOutcome(em, payment.id, result, event))) return; // another worker recorded it first
    recorded = true;
    // The payment row is updated (and locked) BEFORE the cancellation is read — by a later
    // statement, so with a snapshot taken after any wait for that lock; the order.cancelled handler
    // records the cancellation BEFORE it locks the payments. Whichever commits second sees the
    // other's write, so a capture racing a cancellation is always refunded exactly once.
    // Any cancellation counts, payment_failed included: a customer's retry that lands after the
    // retry window closed (and orders cancelled the order) is refunded like any late capture.
    // A newer revision's stock.reserved locks all of the order's payments (this row included) before
    // it records its attempt: if it ran first, its attempt is visible here; if this runs first, it
    // sees this capture once it gets the lock. Either way the superseded capture is refunded once.
    const late = await lateCaptureCheck(em, payment.orderId, payment.revision);
    if (!late.cancelled && !late.newer) return;
    const captured = await findPaymentOrFail(em, payment.id);
    if (late.cancelled) {
      addRefund(em, captured, normalizeAmount(captured.amount), `order_${late.cancelled}`);
      refundDue = true;
      return;
    }
    for (const { payment: superseded, amount } of refundsDue([captured], captured.revision + 1)) {
      addRefund(em, superseded, amount, 'revision_superseded');
      refundDue = true;
    }
  });
  // Counted once committed: a transaction that failed above has thrown instead.
  if (recorded) metrics?.payment(result);
  return refundDue;
}
