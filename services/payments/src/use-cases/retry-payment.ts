// POST /payments: a customer pays again an order whose payment failed, and waits for the provider.
import type { MikroORM } from '@mercato/db';
import {
  fingerprint,
  idempotentRequest,
  isUniqueViolation,
  type Outcome,
  type StoredResource,
} from '@mercato/idempotency';
import { problems } from '@mercato/kit';
import { addToOutbox } from '@mercato/messaging';
import { paymentRetryStarted } from '../domain/events.ts';
import { decideRetry } from '../domain/payment-rules.ts';
import { findCancellation } from '../persistence/cancellations.ts';
import type { Payment } from '../persistence/entities.ts';
import { paymentKeys } from '../persistence/idempotency.ts';
import { addAttempt, findPaymentOrFail, lockOrderPayments, refundsOf } from '../persistence/payments.ts';
import type { PaymentWithRefunds } from './list-payments.ts';
import { type Viewer, visible } from './visibility.ts';

export interface RetryPaymentDeps {
  orm: MikroORM;
  /** the provider worker: the new attempt is leased to this request and charged by it */
  worker: { readonly leaseMs: number; chargeLeased(payment: Payment): Promise<void> };
}

export interface RetryPaymentInput {
  orderId: string;
  paymentMethod: { type: 'card'; token: string };
  idempotencyKey?: string;
}

/**
 * A new attempt for the order's latest revision (the amount of the failed payment, a new provider
 * key), charged before this returns: the payment comes back `succeeded`, `failed`, or `pending` if
 * the provider is slow. `replayed`: the Idempotency-Key's first request answered instead.
 */
export async function retryPayment(
  { orm, worker }: RetryPaymentDeps,
  viewer: Viewer,
  { orderId, paymentMethod, idempotencyKey: key }: RetryPaymentInput,
): Promise<PaymentWithRefunds & { replayed: boolean }> {
  const keyed = idempotentRequest(viewer.sub, key, () =>
    fingerprint(['pay', orderId, paymentMethod.type, paymentMethod.token]),
  );
  let outcome: Outcome<StoredResource, Payment>;
  try {
    // A stored key answers with its payment; the same key sent twice at once: the second waits for
    // the first and answers like it.
    outcome = await paymentKeys.execute(orm.em.fork(), keyed, (remember) =>
      orm.em.fork().transactional(async (em) => {
        // Every attempt of the order, locked: two concurrent retries cannot both start a charge.
        const attempts = await lockOrderPayments(em, orderId);
        visible(attempts[0], viewer, 'order payment');
        // Any cancellation ends the order, payment_failed included: orders keeps a declined order
        // PENDING for its retry window and cancels it only once that has passed. Charging it now
        // would only lead to a refund.
        const cancellation = await findCancellation(em, orderId);
        if (cancellation)
          throw problems.conflict(`The order was cancelled (${cancellation.reason}); place it again`, {
            cancelReason: cancellation.reason,
          });
        const decision = decideRetry(attempts);
        if (decision.kind === 'already_paid') throw problems.conflict('The order is already paid');
        if (decision.kind !== 'retry') throw problems.conflict('A payment of this order is in progress');
        const failed = attempts.find((a) => a.revision === decision.revision)!;
        const attempt = addAttempt(em, {
          orderId,
          userId: failed.userId,
          revision: decision.revision,
          attempt: decision.attempt,
          amount: failed.amount,
          currency: failed.currency.trim(),
          paymentMethod,
          causationId: null,
          // Leased to this request from the start, so the worker's poll leaves it alone while the
          // request charges it (the answer carries the outcome); if the process dies, the lease
          // expires and the poll charges it with the same idempotency key.
          leaseMs: worker.leaseMs,
        });
        // Inventory keeps the order's hold for this attempt: a declined order's hold otherwise
        // yields to another buyer who needs the stock (see inventory's README).
        addToOutbox(em, paymentRetryStarted(attempt));
        await remember(em, { resourceId: attempt.id });
        return attempt;
      }),
    );
  } catch (err) {
    // Another attempt of the order committed first (a concurrent request under another key, or none).
    if (isUniqueViolation(err)) throw problems.conflict('A payment of this order is in progress');
    throw err;
  }
  if (outcome.replayed) return { ...(await load(orm, outcome.answer.resourceId)), replayed: true };
  const payment = outcome.result;
  await worker.chargeLeased(payment);
  return { ...(await load(orm, payment.id)), replayed: false };
}

/** The payment as it is now, with its refunds. */
async function load(orm: MikroORM, id: string): Promise<PaymentWithRefunds> {
  const em = orm.em.fork();
  const payment = await findPaymentOrFail(em, id);
  return { payment, refunds: await refundsOf(em, [payment.id]) };
}
