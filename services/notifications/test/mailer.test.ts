// The SMTP mailer keeps its connections and sends the next mails on them: no TCP connect, greeting,
// EHLO and QUIT per mail (issue 14: the sender could not keep up with bench:orders' mail).

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { startSmtpSink } from '@mercato/testing';
import t from 'tap';
import { smtpMailer } from '../src/workers/mailer.ts';

const mail = (n: number) => ({
  from: 'shop@example.test',
  to: `buyer${n}@example.test`,
  subject: `Mail ${n}`,
  html: `<p>${n}</p>`,
  text: String(n),
  messageId: `<m${n}@example.test>`,
  headers: {},
  attachments: [],
});

t.test('mails one after the other go over one kept connection', async (t) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const mailer = smtpMailer({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: sink.port,
    SMTP_SECURITY: 'none',
    SMTP_TIMEOUT_MS: 5000,
    SENDER_CONCURRENCY: 2,
  });
  t.teardown(() => mailer.close());
  for (let n = 1; n <= 5; n++) {
    const { response } = await mailer.send(mail(n));
    t.match(response, /^250/, `mail ${n} accepted`);
  }
  t.equal(sink.mails.length, 5);
  t.equal(sink.connections, 1, 'one connection for the five');

  // Two at once (the sender's loops): at most SENDER_CONCURRENCY connections.
  await Promise.all([6, 7, 8, 9].map((n) => mailer.send(mail(n))));
  t.equal(sink.mails.length, 9);
  t.ok(sink.connections <= 2, `at most two connections (${sink.connections})`);
});

t.test(
  'a connection the relay drops fails the mail at once: the sender retries it, not nodemailer',
  async (t) => {
    // A relay that accepts and hangs up: nodemailer's pool would by default try the mail again up to
    // five times on new connections, behind the sender's back (its attempts and backoff).
    let accepted = 0;
    const relay = createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    t.teardown(() => new Promise((r) => relay.close(r)));
    const port = (relay.address() as AddressInfo).port;
    const mailer = smtpMailer({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: port,
      SMTP_SECURITY: 'none',
      SMTP_TIMEOUT_MS: 5000,
    });
    t.teardown(() => mailer.close());
    await t.rejects(mailer.send(mail(1)));
    await new Promise((r) => setTimeout(r, 500)); // a requeue would have connected again by now
    t.equal(accepted, 1, 'one connection: no retry inside the mailer');
  },
);
