// The SMTP side: one nodemailer transport on the configured relay (host, port, none/STARTTLS/TLS,
// optional login), and the invoice PDF fetched from invoices with the event's download token.
import type { ServiceConfig } from '@mercato/service';
import nodemailer from 'nodemailer';
import type { AttachmentSpec } from '../persistence/notifications.ts';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
  attachments: { filename: string; content: Buffer; contentType: string }[];
}

export interface Mailer {
  /** Resolves with the relay's reply once it accepted the mail; rejects with nodemailer's error. */
  send(mail: OutgoingMail): Promise<{ response: string }>;
  close(): void;
}

export interface SmtpSettings {
  SMTP_HOST: string;
  SMTP_PORT: number;
  SMTP_SECURITY: 'none' | 'starttls' | 'tls';
  SMTP_USER?: string;
  SMTP_PASSWORD?: string;
  SMTP_TIMEOUT_MS: number;
}

export function smtpMailer(
  s: SmtpSettings & Partial<ServiceConfig> & { SENDER_CONCURRENCY?: number },
): Mailer {
  const transport = nodemailer.createTransport({
    // Connections kept open and reused, one per sender loop: a new connection per mail cost a TCP
    // connect, the greeting, EHLO and QUIT on top of the mail's own commands (issue 14: the sender
    // managed ~11 mails/s at bench:orders' 10 orders/s, ~40 mails/s due).
    pool: true,
    maxConnections: s.SENDER_CONCURRENCY ?? 4,
    // A mail whose connection closed is not retried inside nodemailer (its default: up to 5 more tries
    // with growing delays): the sender records the failure and retries with its own backoff.
    maxRequeues: 0,
    host: s.SMTP_HOST,
    port: s.SMTP_PORT,
    secure: s.SMTP_SECURITY === 'tls',
    requireTLS: s.SMTP_SECURITY === 'starttls',
    // 'none' means plain SMTP even when the server offers STARTTLS (the dev catcher, a local relay).
    ignoreTLS: s.SMTP_SECURITY === 'none',
    auth: s.SMTP_USER ? { user: s.SMTP_USER, pass: s.SMTP_PASSWORD ?? '' } : undefined,
    connectionTimeout: s.SMTP_TIMEOUT_MS,
    greetingTimeout: s.SMTP_TIMEOUT_MS,
    socketTimeout: s.SMTP_TIMEOUT_MS,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: mail.messageId,
        headers: mail.headers,
        attachments: mail.attachments,
      });
      return { response: String(info.response ?? '') };
    },
    close: () => transport.close(),
  };
}

export class AttachmentUnavailableError extends Error {
  override name = 'AttachmentUnavailableError';
}

/** Fetches what a record's attachment specs name; any failure is an AttachmentUnavailableError. */
export async function fetchAttachments(
  specs: AttachmentSpec[],
  opts: { invoicesUrl: string; timeoutMs: number },
): Promise<OutgoingMail['attachments']> {
  const out: OutgoingMail['attachments'] = [];
  for (const spec of specs) {
    if (spec.kind !== 'invoice-pdf') throw new AttachmentUnavailableError(`unknown attachment ${spec.kind}`);
    // A raw fetch, not the kit's ServiceClient: that one answers JSON, and this is a binary body.
    const url = `${opts.invoicesUrl.replace(/\/+$/, '')}/invoices/${encodeURIComponent(spec.invoiceId)}/pdf?token=${encodeURIComponent(spec.token)}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
    } catch (err) {
      throw new AttachmentUnavailableError(`invoice PDF ${spec.invoiceId}: ${(err as Error).message}`);
    }
    const body = Buffer.from(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (res.status !== 200)
      throw new AttachmentUnavailableError(`invoice PDF ${spec.invoiceId}: invoices answered ${res.status}`);
    if (body.subarray(0, 4).toString('latin1') !== '%PDF')
      throw new AttachmentUnavailableError(`invoice PDF ${spec.invoiceId}: not a PDF`);
    out.push({ filename: spec.filename, content: body, contentType: 'application/pdf' });
  }
  return out;
}
