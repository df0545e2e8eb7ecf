// order_payment: the captured payment of an order, what makes it invoiceable.
import { normalizeAmount, type PaymentSucceeded } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';

/**
 * Raw SQL, in the caller's transaction: "on conflict do nothing" keeps the first capture recorded when
 * a second payment.succeeded for the order (a retried payment) comes in.
 */
export async function recordCapture(em: EntityManager, payment: PaymentSucceeded): Promise<void> {
  await em.execute(
    `insert into order_payment (order_id, payment_id, user_id, revision, amount, currency, paid_at)
     values (?, ?, ?, ?, ?, ?, now()) on conflict (order_id) do nothing`,
    [
      payment.orderId,
      payment.paymentId,
      payment.userId,
      payment.revision,
      normalizeAmount(payment.amount.amount),
      payment.amount.currency,
    ],
  );
}
