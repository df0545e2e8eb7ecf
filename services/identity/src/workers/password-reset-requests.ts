// Works off the queue that POST /auth/password-reset fills. The request itself only queues the
// address (one insert, the same whether or not it is registered), so neither its answer nor its time
// says which addresses exist; the lookup, the token and the event happen here, off the request path.
// The request wakes the worker of its replica once its insert has committed (every request alike);
// a poll every PASSWORD_RESET_POLL_MS takes what no wake-up announced (a replica that stopped first).
// SKIP LOCKED: every replica may run it.
import type { MikroORM } from '@mercato/db';
import { type DrainLoop, drainLoop } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import { takePasswordResetRequests } from '../persistence/password-reset-requests.ts';
import { issuePasswordReset } from '../use-cases/request-password-reset.ts';

const BATCH = 50;

export function startPasswordResetWorker(opts: {
  orm: MikroORM;
  log: Logger;
  intervalMs: number;
  ttlSeconds: number;
}): DrainLoop {
  const loop = drainLoop(
    async (stopped) => {
      if (stopped()) return 0;
      const taken = await opts.orm.em.fork().transactional(async (tx) => {
        const emails = await takePasswordResetRequests(tx, BATCH);
        for (const email of emails) await issuePasswordReset(tx, email, opts.ttlSeconds);
        return emails.length;
      });
      // A short batch emptied the queue: no second transaction only to find that out.
      return taken === BATCH ? taken : 0;
    },
    (err) => opts.log.warn({ err }, 'password-reset requests: pass failed, retried on the next'),
  );
  loop.poll(opts.intervalMs);
  return loop;
}
