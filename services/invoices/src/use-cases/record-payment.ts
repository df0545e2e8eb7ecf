// payment.succeeded → the order's invoice (one per order, whatever is redelivered).
import type { PaymentSucceeded } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { issueInvoice } from './issue-invoice.ts';

export class OrderNotKnownYet extends Error {
  override name = 'OrderNotKnownYet';
}

/** In the consumer's transaction; `causationId` is the payment event's id. */
export async function recordPayment(
  em: EntityManager,
  payment: PaymentSucceeded,
  causationId: string,
): Promise<void> {
  // The capture is recorded by the statement that reads the order's state (issuing.ts).
  const result = await issueInvoice(em, payment.orderId, { causationId, capture: payment });
  // Events of one order arrive in any order: throwing rolls this back and sends the message down the
  // retry path, by which time order.placed has normally been handled. (Not a second connection to
  // keep the payment meanwhile: with prefetch 20 and a pool of 10, handlers waiting for a second
  // connection while holding their first would starve the pool.)
  if (result.kind === 'order_unknown')
    throw new OrderNotKnownYet(`order ${payment.orderId} (revision ${payment.revision}) is not known yet`);
}
