import type { CaughtMessage } from '../../domain/inbox.ts';

export function summary(m: CaughtMessage) {
  return {
    id: m.id,
    receivedAt: m.receivedAt,
    envelope: m.envelope,
    from: m.from,
    to: m.to,
    subject: m.subject,
    date: m.date,
    size: m.size,
    attachments: m.attachments.map((a, index) => ({
      index,
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
      url: `/messages/${m.id}/attachments/${index}`,
    })),
  };
}

export function detail(m: CaughtMessage) {
  return {
    ...summary(m),
    cc: m.cc,
    messageId: m.messageId,
    headers: m.headers,
    text: m.text,
    html: m.html,
  };
}

/** Whether the message went to `address` (SMTP envelope, To or Cc), case-insensitively. */
export function sentTo(m: CaughtMessage, address: string): boolean {
  const a = address.toLowerCase();
  return [...m.envelope.to, ...m.to, ...m.cc].some((x) => x.toLowerCase() === a);
}
