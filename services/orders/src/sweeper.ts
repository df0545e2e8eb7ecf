// Cancels orders left PENDING past the timeout (reason timeout). Every replica runs it: rows are
// claimed with FOR UPDATE SKIP LOCKED, so two sweepers never cancel the same order, and an order a
// consumer is confirming right now is simply skipped until the next round.
import type { MikroORM } from '@mercato/db';
import type { Logger } from '@mercato/messaging';
import { LockMode } from '@mikro-orm/core';
import { Order } from './entities.ts';
import { transition } from './orders.ts';

const BATCH = 100;

/** One pass: cancels every timed-out order, in batches of one transaction each. Returns how many. */
export async function sweepTimedOutOrders(orm: MikroORM, timeoutMs: number): Promise<number> {
  let cancelled = 0;
  for (;;) {
    const cutoff = new Date(Date.now() - timeoutMs);
    const n = await orm.em.fork().transactional(async (em) => {
      const orders = await em.find(
        Order,
        { status: 'PENDING', createdAt: { $lt: cutoff } },
        { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, limit: BATCH, orderBy: { createdAt: 'asc' } },
      );
      for (const order of orders) {
        await transition(em, order, 'CANCELLED', { cause: 'timeout', cancelReason: 'timeout' });
      }
      return orders.length;
    });
    cancelled += n;
    if (n < BATCH) return cancelled;
  }
}

export function startSweeper(opts: {
  orm: MikroORM;
  timeoutMs: number;
  intervalMs: number;
  logger: Logger;
}): {
  stop(): Promise<void>;
} {
  let running = true;
  let busy = false;
  let current: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    try {
      const n = await sweepTimedOutOrders(opts.orm, opts.timeoutMs);
      if (n > 0) opts.logger.info({ cancelled: n }, 'timed-out pending orders cancelled');
    } catch (err) {
      opts.logger.warn({ err }, 'sweep of timed-out orders failed; retrying next round');
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
