import { randomUUID } from 'node:crypto';
import type { AddressObject, ParsedMail } from 'mailparser';

export interface Attachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
}

/** One message as it arrived: the SMTP envelope, and the parsed headers, bodies and attachments. */
export interface CaughtMessage {
  id: string;
  receivedAt: string;
  /** MAIL FROM / RCPT TO: who the message was really sent to (Bcc included) */
  envelope: { from: string; to: string[] };
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  date: string | null;
  messageId: string | null;
  headers: Record<string, string>;
  text: string | null;
  html: string | null;
  attachments: Attachment[];
  size: number;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value.map((a) => a.address ?? a.name)).filter(Boolean);
}

function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object' && 'text' in value) return String(value.text);
  if (value && typeof value === 'object' && 'value' in value) return String(value.value);
  return JSON.stringify(value);
}

export function fromParsed(
  mail: ParsedMail,
  envelope: CaughtMessage['envelope'],
  size: number,
  now = new Date(),
): CaughtMessage {
  return {
    id: randomUUID(),
    receivedAt: now.toISOString(),
    envelope,
    from: mail.from?.text ?? envelope.from,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    subject: mail.subject ?? '',
    date: mail.date ? mail.date.toISOString() : null,
    messageId: mail.messageId ?? null,
    headers: Object.fromEntries([...mail.headers].map(([k, v]) => [k, headerText(v)])),
    text: mail.text ?? null,
    html: typeof mail.html === 'string' ? mail.html : null,
    attachments: mail.attachments.map((a, i) => ({
      filename: a.filename ?? `attachment-${i + 1}`,
      contentType: a.contentType,
      size: a.size,
      content: a.content,
    })),
    size,
  };
}

/** The newest `capacity` messages, in memory, newest first. */
export class Inbox {
  private messages: CaughtMessage[] = [];

  constructor(readonly capacity: number) {}

  add(message: CaughtMessage): void {
    this.messages.unshift(message);
    if (this.messages.length > this.capacity) this.messages.length = this.capacity;
  }

  list(): readonly CaughtMessage[] {
    return this.messages;
  }

  get(id: string): CaughtMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  clear(): number {
    const n = this.messages.length;
    this.messages = [];
    return n;
  }
}
