// return.received → refund the paid amount of the returned lines from the order's capture: a partial
// refund, once per return, never more than what is left of the capture (decideReturnRefund says why
// a larger one is capped rather than refused). The provider is called by the worker after the
// consumer's transaction commits, like every refund.
import type { ReturnReceived } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { captureForReturn, decideReturnRefund } from '../domain/payment-rules.ts';
import type { Refund } from '../persistence/entities.ts';
import { lockOrderPayments } from '../persistence/payments.ts';
import { addRefund, findReturnRefund } from '../persistence/refunds.ts';

/** The reason on a return's refund (and on its payment.refunded). */
export const RETURN_REFUND_REASON = 'returned';

export type ReturnRefundRecorded =
  /** due at once: the worker sends it once the transaction has committed */
  | { kind: 'recorded'; refund: Refund; capped: boolean }
  /** this return was refunded before (a copy of its event under another message id) */
  | { kind: 'seen'; refund: Refund }
  /** the order has no captured payment: nothing to refund from */
  | { kind: 'not_captured' }
  /** nothing refundable: the capture is refunded in full, or the amount or currency does not fit it */
  | { kind: 'none'; paymentId: string; reason: string };

/** In `em`'s transaction (the consumer's inbox transaction). */
export async function refundReturnedLines(
  em: EntityManager,
  data: ReturnReceived,
  causationId: string,
): Promise<ReturnRefundRecorded> {
  // Every payment of the order, locked: two returns of one order (or two copies of one return) take
  // their turn, and each sees what the other reserved on the capture.
  const payments = await lockOrderPayments(em, data.orderId);
  // Read under that lock, so a copy of this return that committed meanwhile is seen (the unique
  // return_id would refuse a second row anyway).
  const earlier = await findReturnRefund(em, data.returnId);
  if (earlier) return { kind: 'seen', refund: earlier };
  const capture = captureForReturn(payments);
  if (!capture) return { kind: 'not_captured' };
  const decision = decideReturnRefund(capture, data.refund);
  if (decision.kind === 'none') return { kind: 'none', paymentId: capture.id, reason: decision.reason };
  const refund = addRefund(em, capture, decision.amount, RETURN_REFUND_REASON, causationId, data.returnId);
  return { kind: 'recorded', refund, capped: decision.capped };
}
