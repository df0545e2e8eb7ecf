// Forgets Idempotency-Key records (POST /payments and POST /payments/{id}/refunds) older than
// IDEMPOTENCY_KEY_TTL_HOURS, so the table does not grow forever. Within the TTL a key replays the
// first request as before; once its record is deleted the same key is a new request.
//
// Every replica runs it: each batch is one short DELETE of rows nobody else holds (SKIP LOCKED), so
// replicas never wait on one another, and a row another replica deleted first is simply gone.
import type { MikroORM } from '@mercato/db';
import { startPeriodic } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import { deleteExpiredIdempotencyKeys } from '../persistence/idempotency.ts';

/** How often each replica looks for expired keys (the TTL is counted in hours). */
export const IDEMPOTENCY_SWEEP_INTERVAL_MS = 60_000;

/** Runs `deleteExpiredIdempotencyKeys` every `intervalMs`; `stop()` ends it and waits for a pass in progress. */
export function startIdempotencySweeper(opts: {
  orm: MikroORM;
  logger: Logger;
  ttlHours: number;
  intervalMs?: number;
}): { stop(): Promise<void> } {
  return startPeriodic(
    opts.intervalMs ?? IDEMPOTENCY_SWEEP_INTERVAL_MS,
    async (stopped) => {
      const n = await deleteExpiredIdempotencyKeys(opts.orm, opts.ttlHours, { stopped });
      if (n > 0) opts.logger.debug?.({ deleted: n }, 'expired idempotency keys deleted');
    },
    (err) => opts.logger.warn({ err }, 'deleting expired idempotency keys failed; retrying next round'),
  );
}
