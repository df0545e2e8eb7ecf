// order.cancelled → refund whatever was captured for the order, and remember the cancellation so a
// charge still in flight is refunded as soon as it succeeds (see record-payment-outcome.ts).
import type { OrderCancelled } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { refundsDue } from '../domain/payment-rules.ts';
import { recordCancellation } from '../persistence/cancellations.ts';
import { lockOrderPayments } from '../persistence/payments.ts';
import { addRefund } from '../persistence/refunds.ts';

/** In `em`'s transaction; returns whether a refund was recorded (the worker has work). */
export async function refundCancelledOrder(
  em: EntityManager,
  data: OrderCancelled,
  causationId: string,
): Promise<boolean> {
  // Recorded (and written) BEFORE the payments are locked: a capture committing meanwhile either is
  // seen below, or sees this row itself.
  await recordCancellation(em, data.orderId, data.reason);
  // Every payment of the order, locked: a pending one being captured right now is waited for and
  // read in its captured state. Those already refunded in full are skipped.
  const due = refundsDue(await lockOrderPayments(em, data.orderId));
  for (const { payment, amount } of due) addRefund(em, payment, amount, `order_${data.reason}`, causationId);
  return due.length > 0;
}
