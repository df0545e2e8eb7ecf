// Cancels orders left PENDING too long: past the overall timeout (reason timeout), or past the payment
// retry window after a declined payment (reason payment_failed), whichever deadline passed first.
// Every replica runs it: rows are claimed with FOR UPDATE SKIP LOCKED, so two sweepers never cancel
// the same order, and an order a consumer is confirming right now is simply skipped until the next round.
// The same pass then forgets Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS.
import { deleteExpiredRows, type ExpiryOptions, type MikroORM } from '@mercato/db';
import { type Periodic, startPeriodic } from '@mercato/kit';
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

export type KeyExpiryOptions = Pick<ExpiryOptions, 'batchSize' | 'maxBatches' | 'stopped'>;

/**
 * Deletes the Idempotency-Key records of POST /orders older than `ttlHours`; returns how many went.
 * Within the TTL a key replays as before; after it the same key is a new request.
 */
export function deleteExpiredIdempotencyKeys(
  orm: MikroORM,
  ttlHours: number,
  opts: KeyExpiryOptions = {},
): Promise<number> {
  return deleteExpiredRows(orm, {
    table: 'idempotency_key',
    column: 'created_at',
    olderThanHours: ttlHours,
    ...opts,
  });
}

export function startSweeper(
  opts: SweepOptions & {
    orm: MikroORM;
    intervalMs: number;
    logger: Logger;
    /** IDEMPOTENCY_KEY_TTL_HOURS: Idempotency-Key records older than this are deleted. */
    idempotencyKeyTtlHours: number;
  },
): Periodic {
  return startPeriodic(
    opts.intervalMs,
    async (stopped) => {
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
      // After the orders: a backlog of keys never delays a cancellation.
      const n = await deleteExpiredIdempotencyKeys(opts.orm, opts.idempotencyKeyTtlHours, { stopped });
      if (n > 0) opts.logger.debug?.({ deleted: n }, 'expired idempotency keys deleted');
    },
    (err) => opts.logger.warn({ err }, 'deleting expired idempotency keys failed; retrying next round'),
  );
}
