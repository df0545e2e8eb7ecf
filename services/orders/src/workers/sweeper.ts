// The periodic pass every replica runs: cancels expired PENDING orders, then forgets Idempotency-Key
// records older than IDEMPOTENCY_KEY_TTL_HOURS.
import type { MikroORM } from '@mercato/db';
import { type Periodic, startPeriodic } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import type { ExpiryRules } from '../domain/expiry.ts';
import { placementKeys } from '../persistence/idempotency.ts';
import { sweepExpiredOrders } from '../use-cases/cancel-expired-orders.ts';

export function startSweeper(
  opts: ExpiryRules & {
    orm: MikroORM;
    intervalMs: number;
    logger: Logger;
    /** IDEMPOTENCY_KEY_TTL_HOURS: Idempotency-Key records older than this are deleted. */
    idempotencyKeyTtlHours: number;
  },
): Periodic {
  const keys = placementKeys();
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
      const n = await keys.deleteExpired(opts.orm, opts.idempotencyKeyTtlHours, { stopped });
      if (n > 0) opts.logger.debug?.({ deleted: n }, 'expired idempotency keys deleted');
    },
    (err) => opts.logger.warn({ err }, 'deleting expired idempotency keys failed; retrying next round'),
  );
}
