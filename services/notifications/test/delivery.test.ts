// Delivery: killed between SMTP accept and commit (at most one duplicate, recognisable by its
// Message-ID), SMTP down for a burst then back (every mail once), 4xx retried with backoff from the
// record, 5xx failed at once and never retried, tries exhausted → failed; metrics for each; and
// marketing mail: unsubscribe headers, suppressed for a user who did not opt in.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterCommitHooks, type EntityManager } from '@mercato/db';
import type { ReceivedMail } from '@mercato/testing';
import t from 'tap';
import { formatter } from '../src/domain/format.ts';
import { TEMPLATES_DIR, TemplateCatalog } from '../src/domain/templates.ts';
import type { NotificationContext } from '../src/use-cases/context.ts';
import { queueMail } from '../src/use-cases/queue-mail.ts';
import { eventually, FIXTURE_TEMPLATES, orderPlaced, type Setup, setup, sleep } from './helpers.ts';

const CRASHING = fileURLToPath(new URL('./fixtures/crash-after-accept.ts', import.meta.url));
const NODE = process.execPath;

const metric = async (s: Setup, line: RegExp) => {
  const res = await s.app.inject({ method: 'GET', url: '/metrics' });
  const found = res.body.split('\n').find((l) => line.test(l));
  return found ? Number(found.split(' ').pop()) : 0;
};

/** A header as it arrived (mailparser files the List-* headers elsewhere). */
const header = (mail: ReceivedMail, key: string) =>
  mail.headerLines.find((h) => h.key === key)?.line.replace(/^[^:]+:\s*/, '');

const resetRequested = (s: Setup, u: { id: string; email: string }) =>
  s.event('user.password_reset_requested', {
    userId: u.id,
    email: u.email,
    token: `reset-${u.id}`,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  });

t.test(
  'killed between SMTP accept and commit: the mail is sent again once, with the same Message-ID',
  async (t) => {
    // The in-process app consumes but does not send: the only sender is the replica that gets killed.
    const s = await setup(t, { deps: { sender: false } });
    const u = await s.registered();
    const env = {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_URL: s.config.DATABASE_URL,
      DATABASE_SCHEMA: s.schema,
      AMQP_URL: s.config.AMQP_URL,
      AMQP_EXCHANGE: s.exchange,
      REDIS_URL: s.config.REDIS_URL,
      JWKS_URL: s.config.JWKS_URL,
      CONSUMER_RETRY_DELAYS_MS: s.config.CONSUMER_RETRY_DELAYS_MS,
      SMTP_PORT: String(s.config.SMTP_PORT),
      SENDER_POLL_INTERVAL_MS: '50',
      SENDER_CONCURRENCY: '1',
      TEST_JWKS: JSON.stringify(s.auth.jwks),
    };
    const child = spawn(NODE, ['--import', 'tsx', CRASHING], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    const reset = resetRequested(s, u);
    await s.publish(reset);
    const [, signal] = await exited;
    t.equal(signal, 'SIGKILL', 'the replica was killed in the window');
    t.equal(s.sink.to(u.email).length, 1, 'the relay had accepted the mail');
    const [before] = await s.records('event_id = $1', [reset.id]);
    t.equal(before.status, 'queued', 'its "sent" never committed');
    t.equal(before.attempts, 0);

    // The replacement replica (a restart) finds it queued and sends it again: the one duplicate.
    await s.start({});
    const copies = await s.sink.waitForTo(u.email, 2);
    await eventually(async () => {
      const [row] = await s.records('event_id = $1', [reset.id]);
      if (row.status !== 'sent') throw new Error(row.status);
    });
    const [after] = await s.records('event_id = $1', [reset.id]);
    t.equal(after.attempts, 1);
    t.equal(copies[0]!.messageId, `<${after.id}@mercato.local>`);
    t.equal(copies[1]!.messageId, copies[0]!.messageId, 'the duplicate is recognisable: same Message-ID');
    t.equal(after.message_id, copies[0]!.messageId);

    // Redelivered, and other mail after the restart: nothing more than that one duplicate.
    await s.publish(reset);
    await s.publish(s.event('order.placed', orderPlaced(u.id)));
    await s.sink.waitForTo(u.email, 3);
    await sleep(500);
    t.equal(s.sink.to(u.email).length, 3, 'bound: one duplicate per kill, no more');
  },
);

t.test('SMTP down for a burst of 50 orders: once it is back every mail arrives, none twice', async (t) => {
  const s = await setup(t, { proxy: true, env: { SEND_MAX_ATTEMPTS: '50', SEND_RETRY_MAX_MS: '300' } });
  const users: Awaited<ReturnType<Setup['registered']>>[] = [];
  for (let i = 0; i < 5; i++) users.push(await s.registered(`Buyer ${i}`));
  s.proxy!.cut();
  const orders = Array.from({ length: 50 }, (_, i) => s.event('order.placed', orderPlaced(users[i % 5]!.id)));
  await s.publish(...orders);
  for (const o of orders) await s.handled(o);
  await eventually(async () => {
    const [row] = await s.query(
      `select count(*)::int as n from notification where status = 'queued' and attempts >= 2`,
    );
    if (row.n < 50) throw new Error(`${row.n} of 50 tried twice`);
  });
  t.equal(s.sink.mails.length, 0, 'nothing got through while SMTP was down');
  t.ok(
    (await metric(s, /^notifications_retries_total\{.*template="order-placed"/)) >= 100,
    'retries counted',
  );
  t.equal(await metric(s, /^notifications_queued[ {]/), 50, 'the backlog is visible');

  await s.proxy!.restore();
  await eventually(
    async () => {
      if (s.sink.mails.length < 50) throw new Error(`${s.sink.mails.length} of 50`);
    },
    { timeoutMs: 30_000 },
  );
  await sleep(500);
  t.equal(s.sink.mails.length, 50, 'all 50 delivered');
  const ids = new Set(s.sink.mails.map((m) => m.messageId));
  t.equal(ids.size, 50, 'none twice');
  for (const u of users) t.equal(s.sink.to(u.email).length, 10, `${u.name}: each of their 10 mails once`);
  const [row] = await s.query(`select count(*)::int as n from notification where status = 'sent'`);
  t.equal(row.n, 50);
  t.equal(await metric(s, /^notifications_sent_total\{.*template="order-placed"/), 50);
});

t.test('a 5xx reply fails the mail at once and it is not retried', async (t) => {
  const s = await setup(t);
  const u = await s.registered();
  s.sink.setMode({ code: 550, message: 'mailbox unavailable' });
  const e = resetRequested(s, u);
  await s.publish(e);
  const row = await eventually(async () => {
    const [r] = await s.records('event_id = $1', [e.id]);
    if (r?.status !== 'failed') throw new Error(String(r?.status));
    return r;
  });
  t.equal(row.attempts, 1);
  t.match(row.smtp_response, /^550/);
  t.equal(row.next_attempt_at, null);
  await sleep(600); // several retry delays
  t.equal(s.sink.tries, 1, 'tried once, never again');
  t.equal(await metric(s, /^notifications_failed_total\{.*reason="permanent"/), 1);
  const view = await s.app.inject({
    method: 'GET',
    url: `/notifications/${row.id}`,
    headers: s.bearer(u.token),
  });
  t.equal(view.json().status, 'failed');
  t.match(view.json().smtpResponse, /^550 mailbox unavailable/);
});

t.test('a 4xx reply is retried with backoff from the record until it goes through', async (t) => {
  const s = await setup(t);
  const u = await s.registered();
  s.sink.setMode({ code: 451, message: 'try again later' });
  const e = resetRequested(s, u);
  await s.publish(e);
  const row = await eventually(async () => {
    const [r] = await s.records('event_id = $1', [e.id]);
    if (!(r?.attempts >= 2)) throw new Error('not retried yet');
    return r;
  });
  t.equal(row.status, 'queued');
  t.match(row.smtp_response, /^451/);
  t.ok(row.next_attempt_at, 'the next try is scheduled on the record');
  s.sink.setMode('accept');
  const [mail] = await s.sink.waitForTo(u.email);
  t.match(mail!.subject, /Reset your Testshop password/);
  const done = await eventually(async () => {
    const [r] = await s.records('event_id = $1', [e.id]);
    if (r.status !== 'sent') throw new Error(r.status);
    return r;
  });
  t.ok(done.attempts >= 3);
  t.equal(s.sink.to(u.email).length, 1);
});

t.test('a 4xx that never ends: failed after SEND_MAX_ATTEMPTS tries, counted as exhausted', async (t) => {
  const s = await setup(t);
  const u = await s.registered();
  s.sink.setMode({ code: 452, message: 'insufficient storage' });
  const e = resetRequested(s, u);
  await s.publish(e);
  const row = await eventually(async () => {
    const [r] = await s.records('event_id = $1', [e.id]);
    if (r?.status !== 'failed') throw new Error(String(r?.status));
    return r;
  });
  t.equal(row.attempts, 4);
  t.equal(s.sink.tries, 4);
  t.equal(await metric(s, /^notifications_failed_total\{.*reason="exhausted"/), 1);
});

t.test(
  'marketing mail: unsubscribe headers, one-click unsubscribe, suppressed when not opted in',
  async (t) => {
    const s = await setup(t);
    const fan = await s.registered('Fan');
    const quiet = await s.registered('Quiet');
    const templates = await TemplateCatalog.load({
      dirs: [TEMPLATES_DIR, FIXTURE_TEMPLATES],
      shop: { name: 'Testshop', url: 'https://shop.test' },
      format: formatter('en-GB', 'UTC'),
    });
    const ctx: NotificationContext = {
      templates,
      messageIdDomain: 'mercato.local',
      publicApiUrl: 'https://api.shop.test',
      adminEmails: [],
      afterCommit: afterCommitHooks(s.app.orm),
      wake: () => {},
      onSuppressed: () => {},
    };
    const on = await s.app.inject({
      method: 'PATCH',
      url: '/notifications/preferences',
      headers: s.bearer(fan.token),
      payload: { marketing: true },
    });
    t.equal(on.statusCode, 200);
    const campaign = s.event('campaign.sent', {});
    const promo = (em: EntityManager, to: { id: string; email: string }) =>
      queueMail(ctx, em, {
        event: campaign,
        template: 'promo',
        userId: to.id,
        recipient: to.email,
        data: { headline: 'Sale' },
      });
    const em = s.app.orm.em.fork();
    const results = await em.transactional(async (tx) => [await promo(tx, fan), await promo(tx, quiet)]);
    t.same(results, ['queued', 'suppressed']);
    const [mail] = await s.sink.waitForTo(fan.email);
    const unsubscribe = header(mail!, 'list-unsubscribe') ?? '';
    t.match(unsubscribe, /^<https:\/\/api\.shop\.test\/notifications\/unsubscribe\/[\w-]{16,}>$/);
    t.equal(header(mail!, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    t.match(mail!.text, 'Unsubscribe: https://api.shop.test/notifications/unsubscribe/');
    await sleep(300);
    t.equal(s.sink.to(quiet.email).length, 0, 'the opted-out user gets nothing');
    const [suppressed] = await s.records('user_id = $1', [quiet.id]);
    t.equal(suppressed.status, 'suppressed');

    // Transactional mail has no unsubscribe header.
    await s.publish(resetRequested(s, fan));
    const [reset] = await s.sink.waitForTo(fan.email, 1, /Reset your/);
    t.equal(header(reset!, 'list-unsubscribe'), undefined);
    t.equal(header(reset!, 'list-unsubscribe-post'), undefined);

    // One click (as a mail client POSTs it): marketing is off from then on.
    const url = new URL(unsubscribe.slice(1, -1));
    const res = await s.app.inject({
      method: 'POST',
      url: url.pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    t.equal(res.statusCode, 204, res.body);
    const pref = await s.app.inject({
      method: 'GET',
      url: '/notifications/preferences',
      headers: s.bearer(fan.token),
    });
    t.same(pref.json(), { marketing: false, transactional: true });
    const unknown = await s.app.inject({
      method: 'POST',
      url: '/notifications/unsubscribe/nosuchcode-0123456789',
    });
    t.equal(unknown.statusCode, 404);
  },
);
