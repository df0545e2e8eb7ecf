import type { AddressObject, ParsedMail } from 'mailparser';
import { simpleParser } from 'mailparser';

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

/** A message as the SMTP server took it: its envelope and its bytes, not parsed yet. */
export interface ReceivedMessage {
  id: string;
  receivedAt: string;
  envelope: CaughtMessage['envelope'];
  raw: Buffer;
}

export function fromParsed(
  mail: ParsedMail,
  received: Omit<ReceivedMessage, 'raw'>,
  size: number,
): CaughtMessage {
  const { envelope } = received;
  return {
    id: received.id,
    receivedAt: received.receivedAt,
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

/** The message's headers, bodies and attachments; what mailparser cannot read is kept as text. */
export async function parseMessage(received: ReceivedMessage): Promise<CaughtMessage> {
  try {
    return fromParsed(await simpleParser(received.raw), received, received.raw.length);
  } catch {
    return {
      ...fromParsed(
        { headers: new Map(), attachments: [] } as unknown as ParsedMail,
        received,
        received.raw.length,
      ),
      text: received.raw.toString('utf8'),
    };
  }
}

interface Entry {
  received: Omit<ReceivedMessage, 'raw'>;
  raw: Buffer | undefined;
  parsed: Promise<CaughtMessage> | undefined;
}

/**
 * The newest `capacity` messages, in memory, newest first. A message is parsed when it is first read,
 * not when it arrives: under `npm start` every order sends five mails and nobody reads most of them,
 * and parsing them on arrival was most of what the catcher cost (issue 14: ~2 ms of CPU a mail,
 * 11-13 ms an order at 10 orders/s). Once parsed, only the parsed form is kept.
 */
export class Inbox {
  private entries: Entry[] = [];

  constructor(readonly capacity: number) {}

  add(message: ReceivedMessage): void {
    const { raw, ...received } = message;
    this.entries.unshift({ received, raw, parsed: undefined });
    if (this.entries.length > this.capacity) this.entries.length = this.capacity;
  }

  list(): Promise<CaughtMessage[]> {
    return Promise.all(this.entries.map((e) => this.parsed(e)));
  }

  async get(id: string): Promise<CaughtMessage | undefined> {
    const entry = this.entries.find((e) => e.received.id === id);
    return entry && this.parsed(entry);
  }

  clear(): number {
    const n = this.entries.length;
    this.entries = [];
    return n;
  }

  private parsed(entry: Entry): Promise<CaughtMessage> {
    if (!entry.parsed) {
      entry.parsed = parseMessage({ ...entry.received, raw: entry.raw ?? Buffer.alloc(0) });
      entry.raw = undefined;
    }
    return entry.parsed;
  }
}
