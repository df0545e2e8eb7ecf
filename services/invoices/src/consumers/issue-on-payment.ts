// payment.succeeded → the order's invoice (one per order, whatever is redelivered).
import type { PaymentSucceeded } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope } from '@mercato/messaging';
import { issueInvoice } from '../issuing.ts';

export class OrderNotKnownYet extends Error {
  override name = 'OrderNotKnownYet';
}

export async function issueOnPaymentSucceeded(event: Envelope, em: EntityManager): Promise<void> {
  const data = event.data as PaymentSucceeded;
  // Raw SQL, in the inbox transaction: "on conflict do nothing" keeps the first capture recorded when
  // a second payment.succeeded for the order (a retried payment) comes in.
  await em.execute(
    `insert into order_payment (order_id, payment_id, user_id, revision, amount, currency, paid_at)
     values (?, ?, ?, ?, ?, ?, now()) on conflict (order_id) do nothing`,
    [
      data.orderId,
      data.paymentId,
      data.userId,
      data.revision,
      normalizeAmount(data.amount.amount),
      data.amount.currency,
    ],
  );
  const result = await issueInvoice(em, data.orderId, event.id);
  // Events of one order arrive in any order: throwing rolls this back and sends the message down the
  // retry path, by which time order.placed has normally been handled. (Not a second connection to
  // keep the payment meanwhile: with prefetch 20 and a pool of 10, handlers waiting for a second
  // connection while holding their first would starve the pool.)
  if (result.kind === 'order_unknown')
    throw new OrderNotKnownYet(`order ${data.orderId} (revision ${data.revision}) is not known yet`);
}
