// Cancels orders left PENDING too long: past the overall timeout (reason timeout), or past the payment
// retry window after a declined payment (reason payment_failed), whichever deadline passed first.
// Every replica runs it: rows are claimed with FOR UPDATE SKIP LOCKED, so two sweepers never cancel
// the same order, and an order a consumer is confirming right now is simply skipped until the next round.
import type { MikroORM } from '@mercato/db';
import type { Logger } from '@mercato/messaging';
import { LockMode } from '@mikro-orm/core';
import { Order } from './entities.ts';
import { transition } from './orders.ts';

const BATCH = 100;

export interface SweepOptions {
  /** ORDER_PENDING_TIMEOUT_MS: a PENDING order older than this is cancelled (timeout). */
  timeoutMs: number;
  /**
   * PAYMENT_RETRY_WINDOW_MS: a PENDING order whose payment failed longer ago than this is cancelled
   * (payment_failed). Also with 0: an order left waiting from before the window was turned off goes.
   */
  paymentRetryWindowMs: number;
}

export interface SweepResult {
  timeout: number;
  paymentFailed: number;
}

/** Why an expired order is cancelled: the deadline that passed first (null: none has passed). */
export function expiredBecause(
  order: Pick<Order, 'createdAt' | 'paymentFailedAt'>,
  opts: SweepOptions,
  now: number,
): 'timeout' | 'payment_failed' | null {
  const timeoutAt = order.createdAt.getTime() + opts.timeoutMs;
  const retryUntil = order.paymentFailedAt
    ? order.paymentFailedAt.getTime() + opts.paymentRetryWindowMs
    : null;
  if (retryUntil !== null && retryUntil < now && retryUntil <= timeoutAt) return 'payment_failed';
  if (timeoutAt < now) return 'timeout';
  return null;
}

/** One pass: cancels every expired PENDING order, in batches of one transaction each. */
export async function sweepExpiredOrders(orm: MikroORM, opts: SweepOptions): Promise<SweepResult> {
  const total: SweepResult = { timeout: 0, paymentFailed: 0 };
  for (;;) {
    const now = Date.now();
    const batch = await orm.em.fork().transactional(async (em) => {
      const orders = await em.find(
        Order,
        {
          status: 'PENDING',
          $or: [
            { createdAt: { $lt: new Date(now - opts.timeoutMs) } },
            { paymentFailedAt: { $lt: new Date(now - opts.paymentRetryWindowMs) } },
          ],
        },
        { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, limit: BATCH, orderBy: { createdAt: 'asc' } },
      );
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

export function startSweeper(
  opts: SweepOptions & {
    orm: MikroORM;
    intervalMs: number;
    logger: Logger;
  },
): {
  stop(): Promise<void>;
} {
  let running = true;
  let busy = false;
  let current: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    try {
      const n = await sweepExpiredOrders(opts.orm, opts);
      if (n.timeout > 0) opts.logger.info({ cancelled: n.timeout }, 'timed-out pending orders cancelled');
      if (n.paymentFailed > 0)
        opts.logger.info(
          { cancelled: n.paymentFailed },
          'pending orders cancelled: payment retry window passed',
        );
    } catch (err) {
      opts.logger.warn({ err }, 'sweep of expired pending orders failed; retrying next round');
    }
  };
  const timer = setInterval(() => {
    // A slow pass (a big backlog) is not overlapped by the next one.
    if (!running || busy) return;
    busy = true;
    current = tick().finally(() => {
      busy = false;
    });
  }, opts.intervalMs);
  timer.unref();
  return {
    async stop() {
      running = false;
      clearInterval(timer);
      await current;
    },
  };
}
