// POST /payments/{id}/refunds: an admin refunds all or part of a captured payment.
import type { MikroORM } from '@mercato/db';
import { fingerprint, idempotentRequest } from '@mercato/idempotency';
import { problems } from '@mercato/kit';
import { checkRefund } from '../domain/payment-rules.ts';
import type { Refund } from '../persistence/entities.ts';
import { paymentKeys } from '../persistence/idempotency.ts';
import { lockPayment } from '../persistence/payments.ts';
import { addRefund, findRefundOrFail } from '../persistence/refunds.ts';
import type { Viewer } from './visibility.ts';

export interface RefundPaymentDeps {
  orm: MikroORM;
  /** the provider worker: the refund is sent to the provider before this returns */
  worker: {
    readonly leaseMs: number;
    refundLeased(refund: Refund): Promise<void>;
    processRefund(id: string): Promise<void>;
  };
}

export interface RefundPaymentInput {
  paymentId: string;
  /** omitted: everything still refundable */
  amount?: string;
  currency?: string;
  reason?: string;
  idempotencyKey?: string;
}

/**
 * Reserves the amount on the payment and asks the provider for the refund. 404 unknown payment,
 * 422 not captured or more than what is left. `replayed`: the Idempotency-Key's first request
 * answered instead.
 */
export async function refundPayment(
  { orm, worker }: RefundPaymentDeps,
  viewer: Viewer,
  { paymentId, amount, currency, reason = 'admin', idempotencyKey: key }: RefundPaymentInput,
): Promise<{ refund: Refund; replayed: boolean }> {
  const keyed = idempotentRequest(viewer.sub, key, () =>
    fingerprint(['refund', paymentId, amount ?? null, currency ?? null, reason]),
  );
  // lookup/insert/raceWinner rather than execute: a request that lost the race to the same key
  // answers with the winner's refund after processing it, as a first answer (not marked replayed).
  let refundId = keyed && (await paymentKeys.lookup(orm.em.fork(), keyed))?.resourceId;
  const replay = refundId !== undefined;
  if (!refundId) {
    // Recorded already leased to this process, so no poll takes it between the commit and the call
    // below (the answer would then be `pending`); it is sent to the provider before the answer.
    let leased: Refund | undefined;
    try {
      refundId = await orm.em.fork().transactional(async (em) => {
        const payment = await lockPayment(em, paymentId);
        if (!payment) throw problems.notFound('No such payment');
        if (payment.status !== 'succeeded') throw problems.unprocessable('The payment was not captured');
        const check = checkRefund(
          { amount: payment.amount, currency: payment.currency.trim() },
          payment.refundedAmount,
          amount === undefined ? undefined : { amount, currency },
        );
        if (!check.ok) throw problems.unprocessable(`Cannot refund: ${check.reason}`);
        const refund = addRefund(em, payment, check.amount, reason, undefined, undefined, worker.leaseMs);
        if (keyed) await paymentKeys.insert(em, keyed, { resourceId: refund.id });
        leased = refund;
        return refund.id;
      });
    } catch (err) {
      leased = undefined;
      refundId = keyed && (await paymentKeys.raceWinner(orm.em.fork(), keyed, err))?.resourceId;
      if (!refundId) throw err;
    }
    // The winner of a race to the same key sends its own refund; this one only reads it after.
    if (leased) await worker.refundLeased(leased);
    else await worker.processRefund(refundId);
  }
  return { refund: await findRefundOrFail(orm.em.fork(), refundId), replayed: replay };
}
