// The notification records: inserted queued (or suppressed) by the consumers, claimed one at a time
// by the sender with FOR UPDATE SKIP LOCKED (so replicas share the queue and never send one mail at
// the same time), and updated with each try's result in the transaction that holds the row.
import type { EntityManager } from '@mercato/db';
import type { Statement } from './read-models.ts';
import { table } from './sql.ts';

export type NotificationStatus = 'queued' | 'sent' | 'failed' | 'suppressed';

/** An attachment fetched at send time (the mail is not sent without it). */
export interface InvoicePdfAttachment {
  kind: 'invoice-pdf';
  invoiceId: string;
  token: string;
  filename: string;
}
export type AttachmentSpec = InvoicePdfAttachment;

export interface NotificationRow {
  id: string;
  user_id: string | null;
  event_id: string;
  event_type: string;
  template: string;
  kind: 'transactional' | 'marketing';
  recipient: string | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  attachments: AttachmentSpec[];
  headers: Record<string, string>;
  status: NotificationStatus;
  attempts: number;
  next_attempt_at: Date | null;
  smtp_response: string | null;
  last_error: string | null;
  message_id: string | null;
  erase_after_send: boolean;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

export interface NewNotification {
  id: string;
  userId: string | null;
  eventId: string;
  eventType: string;
  template: string;
  kind: 'transactional' | 'marketing';
  recipient: string;
  subject: string;
  html: string;
  text: string;
  attachments?: AttachmentSpec[];
  headers?: Record<string, string>;
  status: 'queued' | 'suppressed';
  /** why a suppressed mail was not sent */
  note?: string;
  eraseAfterSend?: boolean;
}

/**
 * Inserts the record unless one exists for (event, recipient): returns whether it was inserted.
 * `alongside`, a data-modifying statement of the same transaction (the order's read model of
 * order.placed), runs in the same round trip as a `with` of the insert; it runs whether or not the
 * record was a duplicate, as it would on its own.
 */
export async function insertNotification(
  em: EntityManager,
  n: NewNotification,
  alongside?: Statement,
): Promise<boolean> {
  const rows = await em.execute(
    `${alongside ? `with alongside as (${alongside.sql}) ` : ''}insert into ${table(em, 'notification')} (id, user_id, event_id, event_type, template, kind, recipient,
       subject, html, text, attachments, headers, status, next_attempt_at, last_error, erase_after_send)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?)
     on conflict (event_id, recipient) do nothing returning id`,
    [
      ...(alongside?.params ?? []),
      n.id,
      n.userId,
      n.eventId,
      n.eventType,
      n.template,
      n.kind,
      n.recipient,
      n.subject,
      n.html,
      n.text,
      JSON.stringify(n.attachments ?? []),
      JSON.stringify(n.headers ?? {}),
      n.status,
      n.status === 'queued' ? new Date() : null,
      n.note ?? null,
      n.eraseAfterSend ?? false,
    ],
  );
  return Array.isArray(rows) && rows.length === 1;
}

/** Whether `userId` was ever sent (or queued) a mail of `template`. */
export async function hasTemplate(em: EntityManager, userId: string, template: string): Promise<boolean> {
  const rows = await em.execute(
    `select 1 from ${table(em, 'notification')} where user_id = ? and template = ? limit 1`,
    [userId, template],
  );
  return rows.length > 0;
}

/**
 * The queued record due first, locked for this transaction (other replicas skip it), and how many
 * other records are due now (at most `upTo`; those in another sender's hands included): the sender
 * starts and keeps loops only for mail already waiting, instead of looking once more per loop.
 */
export async function claimDue(
  em: EntityManager,
  upTo: number,
): Promise<{ row: NotificationRow; othersDue: number } | undefined> {
  const t = table(em, 'notification');
  const [found] = await em.execute<(NotificationRow & { others_due: number })[]>(
    `select n.*, (select count(*) from (select 1 from ${t} m
         where m.status = 'queued' and m.next_attempt_at <= now() and m.id <> n.id limit ?) due)::int as others_due
     from ${t} n
     where n.status = 'queued' and n.next_attempt_at <= now()
     order by n.next_attempt_at limit 1 for update of n skip locked`,
    [upTo],
  );
  if (!found) return undefined;
  const { others_due: othersDue, ...row } = found;
  return { row, othersDue };
}

// A confirmation to an erased user's address: sent (or given up on), then forgotten like the rest of
// their records.
const ERASE = ", recipient = null, html = null, text = null, attachments = '[]', headers = '{}'";

export async function markSent(
  em: EntityManager,
  row: NotificationRow,
  r: { attempts: number; response: string; messageId: string },
): Promise<void> {
  const erase = row.erase_after_send ? ERASE : '';
  await em.execute(
    `update ${table(em, 'notification')} set status = 'sent', attempts = ?, smtp_response = ?, message_id = ?,
       last_error = null, next_attempt_at = null, sent_at = now(), updated_at = now()${erase}
     where id = ?`,
    [r.attempts, r.response, r.messageId, row.id],
  );
}

export async function markRetry(
  em: EntityManager,
  id: string,
  r: { attempts: number; retryInMs: number; error: string; response?: string },
): Promise<void> {
  await em.execute(
    `update ${table(em, 'notification')} set attempts = ?, last_error = ?, smtp_response = coalesce(?, smtp_response),
       next_attempt_at = now() + (? * interval '1 millisecond'), updated_at = now()
     where id = ?`,
    [r.attempts, r.error, r.response ?? null, r.retryInMs, id],
  );
}

export async function markFailed(
  em: EntityManager,
  row: NotificationRow,
  r: { attempts: number; error: string; response?: string },
): Promise<void> {
  const erase = row.erase_after_send ? ERASE : '';
  await em.execute(
    `update ${table(em, 'notification')} set status = 'failed', attempts = ?, last_error = ?,
       smtp_response = coalesce(?, smtp_response), next_attempt_at = null, updated_at = now()${erase}
     where id = ?`,
    [r.attempts, r.error, r.response ?? null, row.id],
  );
}

/**
 * Erasure: every record of the user loses its recipient, bodies and attachments (the subject and
 * the delivery facts stay); mail still queued for them is not sent any more (suppressed). Records
 * marked erase_after_send (the erasure confirmation) are left to the sender, which erases them once
 * sent. Returns the number of records erased.
 */
export async function eraseNotificationsOf(em: EntityManager, userId: string): Promise<number> {
  const rows = await em.execute(
    `update ${table(em, 'notification')} set recipient = null, html = null, text = null,
       attachments = '[]', headers = '{}',
       status = case when status = 'queued' then 'suppressed' else status end,
       last_error = case when status = 'queued' then 'recipient erased before sending' else last_error end,
       next_attempt_at = null, updated_at = now()
     where user_id = ? and not erase_after_send
     returning id`,
    [userId],
  );
  return rows.length;
}

export interface NotificationFilter {
  userId?: string;
  status?: NotificationStatus;
  template?: string;
}

export async function listNotifications(
  em: EntityManager,
  f: NotificationFilter,
  page: { limit: number; offset: number },
): Promise<{ items: NotificationRow[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.userId !== undefined) {
    where.push('user_id = ?');
    params.push(f.userId);
  }
  if (f.status !== undefined) {
    where.push('status = ?');
    params.push(f.status);
  }
  if (f.template !== undefined) {
    where.push('template = ?');
    params.push(f.template);
  }
  const clause = where.length ? `where ${where.join(' and ')}` : '';
  const items = await em.execute<NotificationRow[]>(
    `select * from ${table(em, 'notification')} ${clause} order by id desc limit ? offset ?`,
    [...params, page.limit, page.offset],
  );
  const [count] = await em.execute<{ n: string }[]>(
    `select count(*)::text as n from ${table(em, 'notification')} ${clause}`,
    params,
  );
  return { items, total: Number(count?.n ?? 0) };
}

export async function findNotification(em: EntityManager, id: string): Promise<NotificationRow | undefined> {
  const [row] = await em.execute<NotificationRow[]>(
    `select * from ${table(em, 'notification')} where id = ?`,
    [id],
  );
  return row;
}

/** Mail waiting to be sent, for the queue gauge. */
export async function queuedCount(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ n: string }[]>(
    `select count(*)::text as n from ${table(em, 'notification')} where status = 'queued'`,
  );
  return Number(row?.n ?? 0);
}
