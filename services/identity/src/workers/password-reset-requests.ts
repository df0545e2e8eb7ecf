// Works off the queue that POST /auth/password-reset fills. The request itself only queues the
// address (one insert, the same whether or not it is registered), so neither its answer nor its time
// says which addresses exist; the lookup, the token and the event happen here, off the request path.
// SKIP LOCKED: every replica may run it.
import type { MikroORM } from '@mercato/db';
import { type Periodic, startPeriodic } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import { takePasswordResetRequests } from '../persistence/password-reset-requests.ts';
import { issuePasswordReset } from '../use-cases/request-password-reset.ts';

const BATCH = 50;

export function startPasswordResetWorker(opts: {
  orm: MikroORM;
  log: Logger;
  intervalMs: number;
  ttlSeconds: number;
}): Periodic {
  return startPeriodic(
    opts.intervalMs,
    async (stopped) => {
      let taken = BATCH;
      while (taken === BATCH && !stopped()) {
        taken = await opts.orm.em.fork().transactional(async (tx) => {
          const emails = await takePasswordResetRequests(tx, BATCH);
          for (const email of emails) await issuePasswordReset(tx, email, opts.ttlSeconds);
          return emails.length;
        });
      }
    },
    (err) => opts.log.warn({ err }, 'password-reset requests: pass failed, retried on the next'),
  );
}
