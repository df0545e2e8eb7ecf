// Cancels orders left PENDING too long: past the overall timeout (reason timeout), or past the payment
// retry window after a declined payment (reason payment_failed), whichever deadline passed first.
// Every replica runs it: rows are claimed with FOR UPDATE SKIP LOCKED, so two sweepers never cancel
// the same order, and an order a consumer is confirming right now is simply skipped until the next round.
import type { MikroORM } from '@mercato/db';
import { type ExpiryRules, expiredBecause } from '../domain/expiry.ts';
import { claimExpiredOrders, transition } from '../persistence/orders.ts';

const BATCH = 100;

export interface SweepResult {
  timeout: number;
  paymentFailed: number;
}

/** One pass: cancels every expired PENDING order, in batches of one transaction each. */
export async function sweepExpiredOrders(orm: MikroORM, opts: ExpiryRules): Promise<SweepResult> {
  const total: SweepResult = { timeout: 0, paymentFailed: 0 };
  for (;;) {
    const now = Date.now();
    const batch = await orm.em.fork().transactional(async (em) => {
      const orders = await claimExpiredOrders(em, opts, now, BATCH);
      const counts: SweepResult & { claimed: number } = {
        timeout: 0,
        paymentFailed: 0,
        claimed: orders.length,
      };
      for (const order of orders) {
        if (expiredBecause(order, opts, now) === 'payment_failed') {
          await transition(em, order, 'CANCELLED', {
            cause: 'payment_retry_window',
            cancelReason: 'payment_failed',
          });
          counts.paymentFailed++;
        } else {
          await transition(em, order, 'CANCELLED', { cause: 'timeout', cancelReason: 'timeout' });
          counts.timeout++;
        }
      }
      return counts;
    });
    total.timeout += batch.timeout;
    total.paymentFailed += batch.paymentFailed;
    if (batch.claimed < BATCH) return total;
  }
}
