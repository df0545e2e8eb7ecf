// The periodic pass every replica runs: deletes guest carts past their expiry (their lines go with
// them; the token was already refused from the moment it expired), then forgets checkout
// Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS.
import { deleteExpiredRows, type MikroORM } from '@mercato/db';
import { type Periodic, startPeriodic } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import { checkoutKeys } from '../persistence/idempotency.ts';

export function startSweeper(opts: {
  orm: MikroORM;
  logger: Logger;
  intervalMs: number;
  idempotencyKeyTtlHours: number;
}): Periodic {
  const keys = checkoutKeys();
  return startPeriodic(
    opts.intervalMs,
    async (stopped) => {
      const carts = await sweepExpiredGuestCarts(opts.orm, stopped);
      if (carts > 0) opts.logger.info({ deleted: carts }, 'expired guest carts deleted');
      const n = await keys.deleteExpired(opts.orm, opts.idempotencyKeyTtlHours, { stopped });
      if (n > 0) opts.logger.debug?.({ deleted: n }, 'expired idempotency keys deleted');
    },
    (err) => opts.logger.warn({ err }, 'sweeping expired guest carts failed; retrying next round'),
  );
}

/** Guest carts whose expires_at has passed (customers' carts have none and never go). */
export function sweepExpiredGuestCarts(orm: MikroORM, stopped?: () => boolean): Promise<number> {
  return deleteExpiredRows(orm, { table: 'cart', column: 'expires_at', olderThanHours: 0, stopped });
}
