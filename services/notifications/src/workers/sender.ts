// The sender: every replica runs up to SENDER_CONCURRENCY loops; each claims the queued mail due first
// with FOR UPDATE SKIP LOCKED (replicas share the queue, no mail is in two hands), sends it over SMTP
// and records the result in the same transaction, then takes the next while its claim saw more due.
//
// The window between the relay's "250 accepted" and the commit of `sent`: this side is
// AT-LEAST-ONCE. A replica killed there leaves the row queued (its transaction never committed), and
// the next try sends the mail again: at most one duplicate of that mail per kill (only mails in
// flight at that moment, at most SENDER_CONCURRENCY per replica). The duplicate carries the same
// Message-ID (<record id@domain>), so mail clients and the records recognise it. At-most-once (commit
// "sent" before talking to the relay) would lose a password-reset or invoice mail on a kill instead.
import type { MikroORM } from '@mercato/db';
import type { Logger } from '@mercato/messaging';
import {
  afterTransient,
  type BackoffPolicy,
  classifySendError,
  type TryOutcome,
} from '../domain/delivery.ts';
import {
  claimDue,
  markFailed,
  markRetry,
  markSent,
  type NotificationRow,
} from '../persistence/notifications.ts';
import { AttachmentUnavailableError, fetchAttachments, type Mailer } from './mailer.ts';
import type { NotificationMetrics } from './metrics.ts';

export interface SenderOptions {
  orm: MikroORM;
  logger: Logger & { debug?: Logger['info'] };
  mailer: Mailer;
  metrics: NotificationMetrics;
  from: string;
  messageIdDomain: string;
  policy: BackoffPolicy;
  pollIntervalMs: number;
  concurrency: number;
  invoices: { invoicesUrl: string; timeoutMs: number };
  /**
   * Tests: runs after the relay accepted a mail and before its record is committed. Throwing there is
   * the crash between SMTP accept and commit (the transaction rolls back, the row stays queued).
   */
  afterAccept?: (row: NotificationRow) => unknown;
}

export interface Sender {
  /** Look for due mail now (a consumer just queued some). */
  wake(): void;
  stop(): Promise<void>;
}

export const messageIdOf = (id: string, domain: string) => `<${id}@${domain}>`;

export function startSender(opts: SenderOptions): Sender {
  let running = true;
  let pass: Promise<void> | undefined;
  let again = false;

  const tryOnce = async (row: NotificationRow): Promise<TryOutcome> => {
    if (!row.recipient || row.subject === null || row.html === null || row.text === null)
      return { kind: 'permanent', error: 'the record has no recipient or body (erased)' };
    const messageId = messageIdOf(row.id, opts.messageIdDomain);
    try {
      const attachments = await fetchAttachments(row.attachments, opts.invoices);
      const { response } = await opts.mailer.send({
        from: opts.from,
        to: row.recipient,
        subject: row.subject,
        html: row.html,
        text: row.text,
        messageId,
        headers: { ...row.headers, 'X-Mercato-Notification-Id': row.id },
        attachments,
      });
      return { kind: 'sent', response, messageId };
    } catch (err) {
      if (err instanceof AttachmentUnavailableError) return { kind: 'transient', error: err.message };
      return classifySendError(err);
    }
  };

  /**
   * Sends the mail due first, if any; returns whether there was one, and how many others were due
   * when it was claimed (at most `concurrency`).
   */
  const sendOne = () =>
    opts.orm.em
      .fork()
      .transactional(async (em): Promise<{ sent: false } | { sent: true; othersDue: number }> => {
        const claimed = await claimDue(em, opts.concurrency);
        if (!claimed) return { sent: false };
        const { row, othersDue } = claimed;
        const attempts = row.attempts + 1;
        const outcome = await tryOnce(row);
        const labels = { template: row.template };
        if (outcome.kind === 'sent') {
          await opts.afterAccept?.(row);
          await markSent(em, row, { attempts, response: outcome.response, messageId: outcome.messageId });
          opts.metrics.sent.inc(labels);
        } else if (outcome.kind === 'permanent') {
          await markFailed(em, row, { attempts, error: outcome.error, response: outcome.response });
          opts.metrics.failed.inc({ ...labels, reason: 'permanent' });
          opts.logger.error(
            { notificationId: row.id, template: row.template, error: outcome.error },
            'mail failed permanently',
          );
        } else {
          const next = afterTransient(attempts, opts.policy);
          if (next === 'give-up') {
            await markFailed(em, row, { attempts, error: outcome.error, response: outcome.response });
            opts.metrics.failed.inc({ ...labels, reason: 'exhausted' });
            opts.logger.error(
              { notificationId: row.id, template: row.template, attempts, error: outcome.error },
              'mail failed: no tries left',
            );
          } else {
            await markRetry(em, row.id, {
              attempts,
              retryInMs: next.retryInMs,
              error: outcome.error,
              response: outcome.response,
            });
            opts.metrics.retried.inc(labels);
            opts.logger.warn(
              {
                notificationId: row.id,
                template: row.template,
                attempts,
                retryInMs: next.retryInMs,
                error: outcome.error,
              },
              'mail not sent; retrying later',
            );
          }
        }
        return { sent: true, othersDue };
      });

  const drain = async () => {
    // One look first: an idle replica costs one short transaction per poll, not one per loop.
    const first = await sendOne();
    if (!first.sent) return;
    // A loop goes on, and more loops start, only while its claim saw other mail due: a look that
    // finds nothing costs a claim and a commit (with a loop ending on one each, eight round trips
    // per wake), and a mail queued meanwhile is not missed: its commit wakes the sender, which then
    // runs another pass, and the poll takes retries that fell due.
    const loop = async (last: Awaited<ReturnType<typeof sendOne>>) => {
      while (running && last.sent && last.othersDue > 0) last = await sendOne();
    };
    const more = Math.min(opts.concurrency - 1, first.othersDue);
    // Every loop ends before the pass does (one that failed stops; the others drain what is due).
    const results = await Promise.allSettled([
      loop(first),
      ...Array.from({ length: more }, () => sendOne().then(loop)),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  const trigger = () => {
    if (!running) return;
    if (pass) {
      again = true;
      return;
    }
    pass = drain()
      .catch((err) => opts.logger.warn({ err }, 'sending mail failed; retrying next round'))
      .finally(() => {
        pass = undefined;
        if (again) {
          again = false;
          trigger();
        }
      });
  };

  const timer = setInterval(trigger, opts.pollIntervalMs);
  timer.unref();
  trigger();

  return {
    wake: trigger,
    async stop() {
      running = false;
      clearInterval(timer);
      await pass;
    },
  };
}
