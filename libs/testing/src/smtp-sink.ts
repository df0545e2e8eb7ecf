// A real SMTP server in the test process (smtp-server) that parses what arrives (mailparser): what a
// notification test asserts on — subject, recipients, text, HTML, attachments — and how many mails
// each address got. It can be made to fail (421 "down", 451, 550, or any code and message) to test
// retries, and counts the tries.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** MAIL FROM and RCPT TO, as the client sent them */
  envelope: { from: string; to: string[] };
  subject: string;
  /** the Message-ID header, with its angle brackets ('' when there is none) */
  messageId: string;
  from: string;
  /** the To header's addresses */
  to: string[];
  text: string;
  html: string;
  headers: ParsedMail['headers'];
  /** every header line as it arrived (mailparser files some, e.g. List-*, under other keys in `headers`) */
  headerLines: { key: string; line: string }[];
  attachments: { filename: string; contentType: string; content: Buffer }[];
  receivedAt: Date;
}

/**
 * How the sink answers: 'accept'; 'down' refuses every connection with 421 (a relay that is out);
 * 'tempfail' answers 451 to the message (a 4xx: retry later); 'reject' 550 (a 5xx: permanent);
 * `{ code, message }` answers the message with that reply (e.g. 452 "insufficient storage").
 */
export type SinkMode = 'accept' | 'down' | 'tempfail' | 'reject' | { code: number; message: string };

export interface SmtpSink {
  port: number;
  readonly mails: ReceivedMail[];
  /** the mails whose envelope recipients include `address` (case-insensitive) */
  to(address: string): ReceivedMail[];
  /** how many mails each envelope recipient got, lower-cased */
  countsByRecipient(): Map<string, number>;
  /**
   * Resolves once `address` (an envelope recipient, case-insensitive) has `count` mails, of `subject`
   * when given (a RegExp, or a string the subject contains); with all of them, in arrival order.
   */
  waitForTo(
    address: string,
    count?: number,
    subject?: RegExp | string,
    opts?: { timeoutMs?: number },
  ): Promise<ReceivedMail[]>;
  /** resolves with the first mail (already here or still to come) that matches; rejects after timeoutMs */
  waitFor(
    match: (m: ReceivedMail) => boolean,
    opts?: { timeoutMs?: number; what?: string },
  ): Promise<ReceivedMail>;
  /** resolves once `count` mails match */
  waitForCount(
    match: (m: ReceivedMail) => boolean,
    count: number,
    opts?: { timeoutMs?: number; what?: string },
  ): Promise<ReceivedMail[]>;
  setMode(mode: SinkMode): void;
  /**
   * Called once a mail is stored here, BEFORE the client is answered 250: a test that kills the
   * sender here crashes it inside the window where the relay has the mail and the sender has not
   * recorded it (killing it after the 250 would race the sender's commit). One call per mail.
   */
  onAccepted: ((mail: ReceivedMail) => void) | undefined;
  /** connections / DATA attempts refused while not accepting */
  readonly refused: number;
  /** connections accepted (a client that keeps its connection open sends many mails on one) */
  readonly connections: number;
  /** messages handed over (DATA), accepted or refused: how many times a client tried to deliver */
  readonly tries: number;
  clear(): void;
  close(): Promise<void>;
}

const smtpError = (message: string, responseCode: number) =>
  Object.assign(new Error(message), { responseCode });

/** Starts a sink on a free port of 127.0.0.1 (or `port`). Close it in teardown. */
export async function startSmtpSink(opts: { port?: number } = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  let mode: SinkMode = 'accept';
  let refused = 0;
  let connections = 0;
  let tries = 0;
  let onAccepted: ((mail: ReceivedMail) => void) | undefined;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onConnect(_session, callback) {
      if (mode === 'down') {
        refused++;
        return callback(smtpError('Service not available (test sink is down)', 421));
      }
      connections++;
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          // The message is read in full either way: an answer before the end of DATA confuses clients.
          tries++;
          if (typeof mode === 'object') {
            refused++;
            return callback(smtpError(mode.message, mode.code));
          }
          if (mode === 'tempfail' || mode === 'down') {
            refused++;
            return callback(smtpError('Requested action aborted: try again later (test sink)', 451));
          }
          if (mode === 'reject') {
            refused++;
            return callback(smtpError('Mailbox unavailable (test sink)', 550));
          }
          const toHeader = parsed.to === undefined ? [] : Array.isArray(parsed.to) ? parsed.to : [parsed.to];
          const mail: ReceivedMail = {
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            subject: parsed.subject ?? '',
            messageId: parsed.messageId ?? '',
            from: parsed.from?.text ?? '',
            to: toHeader.flatMap((a) => a.value.map((v) => v.address ?? '')).filter(Boolean),
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            headers: parsed.headers,
            headerLines: parsed.headerLines.map((h) => ({ key: h.key, line: h.line })),
            attachments: parsed.attachments.map((a) => ({
              filename: a.filename ?? '',
              contentType: a.contentType,
              content: a.content,
            })),
            receivedAt: new Date(),
          };
          mails.push(mail);
          onAccepted?.(mail);
          callback();
          notify();
        })
        .catch((err: Error) => callback(err));
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  const to = (address: string) => {
    const a = address.toLowerCase();
    return mails.filter((m) => m.envelope.to.some((r) => r.toLowerCase() === a));
  };

  const waitForCount: SmtpSink['waitForCount'] = (match, count, { timeoutMs = 30_000, what } = {}) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = mails.filter(match);
        if (found.length < count) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        const subjects = mails.map((m) => `${m.envelope.to.join(',')}: ${m.subject}`);
        reject(
          new Error(
            `smtp sink: ${what ?? 'mail'} x${count} not received within ${timeoutMs} ms (got ${mails.filter(match).length}); all: ${JSON.stringify(subjects)}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const waitForTo: SmtpSink['waitForTo'] = (address, count = 1, subject, o) => {
    const a = address.toLowerCase();
    const ofSubject = (m: ReceivedMail) =>
      subject === undefined ||
      (typeof subject === 'string' ? m.subject.includes(subject) : subject.test(m.subject));
    return waitForCount((m) => m.envelope.to.some((r) => r.toLowerCase() === a) && ofSubject(m), count, {
      ...o,
      what: `mail to ${address}${subject === undefined ? '' : ` (${String(subject)})`}`,
    });
  };

  return {
    port,
    mails,
    to,
    countsByRecipient() {
      const counts = new Map<string, number>();
      for (const m of mails)
        for (const r of m.envelope.to) counts.set(r.toLowerCase(), (counts.get(r.toLowerCase()) ?? 0) + 1);
      return counts;
    },
    waitFor: async (match, o) => (await waitForCount(match, 1, o))[0]!,
    waitForCount,
    waitForTo,
    setMode(next) {
      mode = next;
    },
    get connections() {
      return connections;
    },
    get refused() {
      return refused;
    },
    get tries() {
      return tries;
    },
    get onAccepted() {
      return onAccepted;
    },
    set onAccepted(fn) {
      onAccepted = fn;
    },
    clear() {
      mails.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
