// stock.reserved → a pending charge for that order revision. No provider call in here: this runs in
// the consumer's inbox transaction, and the provider worker charges the row once it has committed
// (see workers/provider-worker.ts for why, and for how redelivery stays harmless at every step).
import type { StockReserved } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { refundsDue } from '../domain/payment-rules.ts';
import { findCancellation } from '../persistence/cancellations.ts';
import type { Payment } from '../persistence/entities.ts';
import { addAttempt, insertFirstAttempt, lockOrderPayments } from '../persistence/payments.ts';
import { addRefund } from '../persistence/refunds.ts';

export type ChargeRecorded =
  /** inserted leased to this process: hand it to the worker once the transaction has committed */
  | { kind: 'leased'; payment: Payment }
  /** recorded (or refunds recorded) due at once: the worker's next run takes it */
  | { kind: 'due' }
  /** the order was cancelled: a reservation arriving now is stale, charging it would only lead to a refund */
  | { kind: 'cancelled' }
  /** this revision was seen before (a copy under another message id), or a newer one */
  | { kind: 'seen' };

/**
 * Records the charge `stock.reserved` asks for, in `em`'s transaction. `leaseMs` > 0: the first
 * attempt of an order is inserted already leased for that long (the caller hands it to its worker at
 * commit: no poll, no lease query); 0: it is left due for the poll.
 */
export async function recordCharge(
  em: EntityManager,
  data: StockReserved,
  causationId: string,
  leaseMs: number,
): Promise<ChargeRecorded> {
  // The usual case — the order's first stock.reserved, order not cancelled — in one statement.
  // Anything else (a cancelled order, another revision, a copy) takes the path below.
  const first = await insertFirstAttempt(em, data, causationId, leaseMs);
  if (first) return leaseMs > 0 ? { kind: 'leased', payment: first } : { kind: 'due' };

  if (await findCancellation(em, data.orderId)) return { kind: 'cancelled' };
  // Locked: a capture of an older revision finishing right now is waited for (see below).
  const earlier = await lockOrderPayments(em, data.orderId);
  if (earlier.some((p) => p.revision >= data.revision)) return { kind: 'seen' };
  // The lines changed after an older revision was captured: orders ignores that capture as stale,
  // so it is refunded and the new revision charged.
  for (const { payment, amount } of refundsDue(earlier, data.revision))
    addRefund(em, payment, amount, 'revision_superseded', causationId);
  addAttempt(em, {
    orderId: data.orderId,
    userId: data.userId,
    revision: data.revision,
    attempt: 1,
    amount: normalizeAmount(data.total.amount),
    currency: data.total.currency,
    paymentMethod: data.paymentMethod,
    causationId,
  });
  return { kind: 'due' };
}
