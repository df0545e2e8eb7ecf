// Turning an event into one mail record per recipient: rendered now (so the record shows exactly what
// was sent), inserted queued in the consumer's inbox transaction, sent later by the sender worker.
// Unique (event, recipient): a redelivered event never queues a second mail. Marketing mail goes only
// to customers who opted in (else the record is kept as suppressed) and carries the unsubscribe
// headers; transactional mail is always sent.
import type { EntityManager } from '@mercato/db';
import type { Envelope } from '@mercato/messaging';
import { uuidv7 } from 'uuidv7';
import { type AttachmentSpec, insertNotification } from '../persistence/notifications.ts';
import { preferenceOf, type Statement } from '../persistence/read-models.ts';
import type { NotificationContext } from './context.ts';

export interface MailRequest {
  event: Pick<Envelope, 'id' | 'type'>;
  template: string;
  /** null for mail to admins */
  userId: string | null;
  recipient: string;
  data: Record<string, unknown>;
  attachments?: AttachmentSpec[];
  /** erase recipient and bodies once sent (the erasure confirmation) */
  eraseAfterSend?: boolean;
  /** a write of the same transaction sent with the record's insert (one round trip for both) */
  alongside?: Statement;
}

export type QueueResult = 'queued' | 'suppressed' | 'duplicate';

export async function queueMail(
  ctx: NotificationContext,
  em: EntityManager,
  req: MailRequest,
): Promise<QueueResult> {
  const kind = ctx.templates.kind(req.template);
  const data = { ...req.data };
  const headers: Record<string, string> = {};
  let status: 'queued' | 'suppressed' = 'queued';
  let note: string | undefined;
  if (kind === 'marketing') {
    if (!req.userId) throw new Error(`marketing template ${req.template} needs a user`);
    const pref = await preferenceOf(em, req.userId);
    if (!pref.marketing) {
      status = 'suppressed';
      note = 'the user does not want marketing mail';
    }
    const unsubscribe = new URL(
      `notifications/unsubscribe/${pref.unsubscribeToken}`,
      `${ctx.publicApiUrl.replace(/\/+$/, '')}/`,
    );
    data.unsubscribeUrl = unsubscribe.toString();
    // RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs to the URL.
    headers['List-Unsubscribe'] = `<${unsubscribe.toString()}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  const rendered = ctx.templates.render(req.template, data);
  const inserted = await insertNotification(
    em,
    {
      id: uuidv7(),
      userId: req.userId,
      eventId: req.event.id,
      eventType: req.event.type,
      template: req.template,
      kind,
      recipient: req.recipient,
      ...rendered,
      attachments: req.attachments,
      headers,
      status,
      note,
      eraseAfterSend: req.eraseAfterSend,
    },
    req.alongside,
  );
  if (!inserted) return 'duplicate';
  if (status === 'queued') ctx.afterCommit(em, () => ctx.wake());
  else ctx.afterCommit(em, () => ctx.onSuppressed(req.template));
  return status;
}
