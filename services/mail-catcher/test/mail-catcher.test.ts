import nodemailer from 'nodemailer';
import t from 'tap';
import { buildApp } from '../src/app.ts';

async function catcher(t: { teardown(fn: () => unknown): void }, maxMessages = 500) {
  const app = await buildApp({
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    SMTP_PORT: 0,
    MAX_MESSAGES: maxMessages,
  });
  t.teardown(() => app.close());
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: app.smtpPort, secure: false });
  t.teardown(() => transport.close());
  return { app, transport };
}

t.test('a message sent over SMTP is listed, shown and its attachment downloadable', async (t) => {
  const { app, transport } = await catcher(t);
  const pdf = Buffer.from('%PDF-1.7\nnot really a pdf\n');
  await transport.sendMail({
    from: 'Mercato <shop@mercato.local>',
    to: 'ada@example.com',
    bcc: 'audit@example.com',
    subject: 'Your invoice <INV-1>',
    text: 'Thank you for your order.',
    html: '<p>Thank you for your <b>order</b>.</p><script>alert(1)</script>',
    attachments: [{ filename: 'INV-1.pdf', content: pdf, contentType: 'application/pdf' }],
  });

  const list = await app.inject({ url: '/messages' });
  t.equal(list.statusCode, 200);
  const { total, items } = list.json();
  t.equal(total, 1);
  t.match(items[0], {
    from: /shop@mercato\.local/,
    to: ['ada@example.com'],
    envelope: { from: 'shop@mercato.local', to: ['ada@example.com', 'audit@example.com'] },
    subject: 'Your invoice <INV-1>',
    attachments: [{ index: 0, filename: 'INV-1.pdf', contentType: 'application/pdf', size: pdf.length }],
  });
  t.equal((await app.inject({ url: '/messages?to=AUDIT@example.com' })).json().total, 1, 'by envelope (Bcc)');
  t.equal((await app.inject({ url: '/messages?to=nobody@example.com' })).json().total, 0);

  const id = items[0].id;
  const one = (await app.inject({ url: `/messages/${id}` })).json();
  t.match(one.text, /Thank you for your order/);
  t.match(one.html, /<b>order<\/b>/);
  t.equal(one.headers.subject, 'Your invoice <INV-1>');

  const attachment = await app.inject({ url: items[0].attachments[0].url });
  t.equal(attachment.statusCode, 200);
  t.equal(attachment.headers['content-type'], 'application/octet-stream', 'a download');
  t.match(attachment.headers['content-disposition'], /attachment; filename="INV-1.pdf"/);
  t.same(attachment.rawPayload, pdf, 'the bytes that were sent');

  const html = await app.inject({ url: `/messages/${id}/html` });
  t.match(html.headers['content-security-policy'], /sandbox/, "the mail's HTML runs in a sandbox");

  const inbox = await app.inject({ url: '/' });
  t.equal(inbox.statusCode, 200);
  t.match(inbox.headers['content-type'], /text\/html/);
  t.match(inbox.body, `/inbox/${id}`);
  t.match(inbox.body, 'Your invoice &lt;INV-1&gt;', 'escaped');
  const page = await app.inject({ url: `/inbox/${id}` });
  t.match(page.body, /<iframe sandbox src="\/messages\/[^"]+\/html"/);
  t.match(page.body, 'INV-1.pdf');
  t.notMatch(page.body, '<script>alert(1)</script>', "the mail's own HTML is not inlined");
});

t.test('unknown ids are 404 problems, bad ones 400; DELETE /messages empties the inbox', async (t) => {
  const { app, transport } = await catcher(t);
  await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'hi', text: 'hi' });
  const missing = await app.inject({ url: '/messages/00000000-0000-4000-8000-000000000000' });
  t.equal(missing.statusCode, 404);
  t.match(missing.headers['content-type'], /application\/problem\+json/);
  t.equal((await app.inject({ url: '/messages/not-a-uuid' })).statusCode, 400);
  const id = (await app.inject({ url: '/messages' })).json().items[0].id;
  t.equal((await app.inject({ url: `/messages/${id}/attachments/0` })).statusCode, 404);

  const cleared = await app.inject({ method: 'DELETE', url: '/messages' });
  t.equal(cleared.statusCode, 204);
  t.equal(cleared.body, '');
  t.same((await app.inject({ url: '/messages' })).json(), { total: 0, items: [] });
});

t.test('only the newest MAX_MESSAGES are kept', async (t) => {
  const { app, transport } = await catcher(t, 3);
  for (let i = 1; i <= 5; i++)
    await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: `n${i}`, text: '.' });
  const { total, items } = (await app.inject({ url: '/messages' })).json();
  t.equal(total, 3);
  t.same(
    items.map((m: { subject: string }) => m.subject),
    ['n5', 'n4', 'n3'],
  );
});

t.test(
  'SMTP AUTH with any credentials is accepted (a relay configured with a user works against it)',
  async (t) => {
    const { app } = await catcher(t);
    const port = app.smtpPort;
    const authed = nodemailer.createTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user: 'shop', pass: 'whatever' },
    });
    t.teardown(() => authed.close());
    await authed.sendMail({ from: 'a@example.com', to: 'c@example.com', subject: 'auth', text: '.' });
    t.equal((await app.inject({ url: '/messages?to=c@example.com' })).json().total, 1);
  },
);
