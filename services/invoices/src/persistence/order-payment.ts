// order_payment: the captured payment of an order, what makes it invoiceable.
import { normalizeAmount, type PaymentSucceeded } from '@mercato/contracts';
import type { SqlFragment } from '@mercato/messaging';

/**
 * The capture's INSERT, as a fragment for the statement that issues the invoice (issuing.ts): it
 * returns the capture it recorded (`payment_id`, `revision`), or nothing when the order has one
 * already — "on conflict do nothing" keeps the first capture recorded when a second payment.succeeded
 * for the order (a retried payment) comes in.
 */
export function captureInsert(payment: PaymentSucceeded): SqlFragment {
  return {
    sql: `insert into order_payment (order_id, payment_id, user_id, revision, amount, currency, paid_at)
          values (?, ?, ?, ?, ?, ?, now()) on conflict (order_id) do nothing
          returning payment_id, revision`,
    params: [
      payment.orderId,
      payment.paymentId,
      payment.userId,
      payment.revision,
      normalizeAmount(payment.amount.amount),
      payment.amount.currency,
    ],
  };
}

/** No capture to record (the order event or POST /invoices issuing): the same columns, no row. */
export const NO_CAPTURE: SqlFragment = {
  sql: 'select null::uuid as payment_id, null::int as revision where false',
  params: [],
};
