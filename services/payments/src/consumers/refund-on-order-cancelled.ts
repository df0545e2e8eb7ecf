// order.cancelled → refund whatever was captured for the order, and remember the cancellation so a
// charge still in flight is refunded as soon as it succeeds (see ProviderWorker.#finishPayment).
import type { OrderCancelled } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope } from '@mercato/messaging';
import { LockMode } from '@mikro-orm/core';
import { checkRefund } from '../domain/payment-rules.ts';
import { Payment } from '../entities.ts';
import { addRefund } from '../provider-worker.ts';

export function refundOnOrderCancelled(opts: { onRecorded: () => void }) {
  return async (event: Envelope, em: EntityManager): Promise<void> => {
    const data = event.data as OrderCancelled;
    // Recorded (and written) BEFORE the payments are locked: a capture committing meanwhile either is
    // seen below, or sees this row itself. Raw SQL so that it is written now, not at flush.
    await em.execute(
      'insert into order_cancellation (order_id, reason, cancelled_at) values (?, ?, now()) on conflict do nothing',
      [data.orderId, data.reason],
    );
    // Every payment of the order, locked: a pending one being captured right now is waited for and
    // read in its captured state.
    const payments = await em.find(
      Payment,
      { orderId: data.orderId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { createdAt: 'asc' } },
    );
    let added = false;
    for (const payment of payments) {
      if (payment.status !== 'succeeded') continue;
      const check = checkRefund(
        { amount: payment.amount, currency: payment.currency.trim() },
        payment.refundedAmount,
      );
      if (!check.ok) continue; // already refunded in full
      addRefund(em, payment, check.amount, `order_${data.reason}`, event.id);
      added = true;
    }
    if (added) setTimeout(opts.onRecorded, 20).unref();
  };
}
