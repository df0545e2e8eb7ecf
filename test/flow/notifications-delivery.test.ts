// Never twice, and never lost: notifications' delivery guarantees end to end, with the real services
// and a real SMTP server in this process (startSmtpSink).
// - every event of a customer delivered twice (a broker redelivery, a relay that crashed before
//   marking): each mail arrives once;
// - notifications killed between the relay's 250 and its own commit: that one mail arrives twice
//   (same record, same Message-ID), the bound services/notifications/README.md states for the
//   at-least-once side of that window; every other mail once;
// - the relay down (421) while 50 orders go through: once it is back every mail arrives, none twice.
// notifications runs as a child process (to be killed) and sends one mail at a time, so that exactly
// one mail is in flight when it is killed.
import { publishEvents, type ReceivedMail, startSmtpSink, tapExchange } from '@mercato/testing';
import t from 'tap';
import { adminClient, stockedProduct, waitForStatus } from '../support/client.ts';
import {
  copiesPerNotification,
  type MailCustomer,
  mailTo,
  notificationId,
  placeOrder,
  registerCustomer,
} from '../support/mail.ts';
import { startSystem } from '../support/system.ts';

const smtp = await startSmtpSink();
const system = await startSystem({
  smtpPort: smtp.port,
  childProcesses: ['notifications'],
  env: {
    notifications: {
      SENDER_CONCURRENCY: '1',
      SENDER_POLL_INTERVAL_MS: '100',
      // The relay's outage below lasts as long as 50 orders take: retry often, for minutes (100 tries, at most 2 s apart).
      SEND_RETRY_BASE_MS: '200',
      SEND_RETRY_MAX_MS: '2000',
      SEND_MAX_ATTEMPTS: '100',
    },
  },
});
t.teardown(async () => {
  await system.stop();
  await smtp.close();
});
const admin = await adminClient(system.gatewayUrl);
const tap = await tapExchange(system.exchange);
t.teardown(() => tap.close());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The four mails of one customer and one paid order: welcome, placed, confirmed, invoice. */
async function orderMails(customer: MailCustomer, orderId: string) {
  const invoice = await admin.get(`/invoices?orderId=${orderId}`);
  const number = invoice.body.items?.[0]?.number;
  return {
    welcome: smtp.mails.filter(mailTo(customer.email, 'Welcome to Mercato')),
    placed: smtp.mails.filter(mailTo(customer.email, `We received your order ${orderId}`)),
    confirmed: smtp.mails.filter(mailTo(customer.email, `Your order ${orderId} is confirmed`)),
    invoice: number ? smtp.mails.filter(mailTo(customer.email, `Your invoice ${number}`)) : [],
  };
}

async function paidOrderWithMails(customer: MailCustomer, productId: string) {
  const order = await placeOrder(customer, productId, 'tok_visa');
  const done = await waitForStatus(customer.client, order.id);
  if (done.status !== 'CONFIRMED') throw new Error(`order ${order.id} ended ${done.status}`);
  await smtp.waitForCount(mailTo(customer.email), 4, {
    what: `the 4 mails of ${customer.email}`,
    timeoutMs: 60_000,
  });
  return order;
}

t.test('every event delivered twice: each mail once', async (t) => {
  const { productId } = await stockedProduct(admin, { onHand: 100 });
  const ann = await registerCustomer(system.gatewayUrl);
  const order = await paidOrderWithMails(ann, productId);

  const mine = tap.received.filter(
    (e) => e.data?.userId === ann.userId || e.data?.orderId === order.id || e.data?.email === ann.email,
  );
  const types = new Set(mine.map((e) => e.type));
  for (const type of ['user.registered', 'order.placed', 'order.confirmed', 'invoice.issued'])
    t.ok(types.has(type), `${type} is among the events replayed`);
  await publishEvents(system.exchange, mine);
  // The copies go through every consumer; give them the time the originals took, and more.
  await sleep(4000);

  const mails = await orderMails(ann, order.id);
  for (const [what, list] of Object.entries(mails)) t.equal(list.length, 1, `one ${what} mail`);
  t.equal(smtp.to(ann.email).length, 4, 'nothing else either');
  const records = await admin.get(`/notifications?userId=${ann.userId}&pageSize=50`);
  t.equal(records.body.total, 4, 'one record per mail');
});

t.test(
  'killed between the relay accepting a mail and the commit: that mail twice (the stated bound), the rest once',
  async (t) => {
    const { productId } = await stockedProduct(admin, { onHand: 100 });
    const bea = await registerCustomer(system.gatewayUrl);
    await smtp.waitFor(mailTo(bea.email, 'Welcome to Mercato'), { what: 'welcome' });

    const notifications = system.services.find((s) => s.name === 'notifications');
    t.ok(notifications?.pid, 'notifications runs as a child process');
    let killedAfter: string | undefined;
    smtp.onAccepted = (mail) => {
      if (killedAfter || !/We received your order/.test(mail.subject) || !mailTo(bea.email)(mail)) return;
      killedAfter = notificationId(mail);
      // Stored here, the 250 not yet written: the sender dies before it can record the mail as sent.
      process.kill(notifications!.pid!, 'SIGKILL');
    };
    t.teardown(() => {
      smtp.onAccepted = undefined;
    });
    const order = await placeOrder(bea, productId, 'tok_visa');
    t.equal((await waitForStatus(bea.client, order.id)).status, 'CONFIRMED');
    await smtp.waitFor((m) => killedAfter !== undefined && notificationId(m) === killedAfter, {
      what: 'the killed-on mail',
    });
    await system.stopService('notifications', { kill: true });
    await system.startService('notifications');

    await smtp.waitForCount(mailTo(bea.email), 5, {
      what: 'the 4 mails and the one duplicate',
      timeoutMs: 60_000,
    });
    await sleep(2000);
    const mails = await orderMails(bea, order.id);
    t.equal(mails.placed.length, 2, 'the mail in flight at the kill arrives twice');
    t.equal(notificationId(mails.placed[0]!), notificationId(mails.placed[1]!), 'both copies of one record');
    t.equal(
      mails.placed[0]!.headers.get('message-id'),
      mails.placed[1]!.headers.get('message-id'),
      'with one Message-ID (mail clients fold them)',
    );
    t.equal(mails.welcome.length, 1, 'welcome once');
    t.equal(mails.confirmed.length, 1, 'confirmed once');
    t.equal(mails.invoice.length, 1, 'invoice once');
    const record = await admin.get(`/notifications/${killedAfter}`);
    t.equal(record.body.status, 'sent', 'its record ends sent');
  },
);

t.test(
  'the relay down while 50 orders go through: after it returns every mail arrives, none twice',
  async (t) => {
    const { productId } = await stockedProduct(admin, { onHand: 1000 });
    smtp.setMode('down');
    t.teardown(() => smtp.setMode('accept'));
    const refusedBefore = smtp.refused;
    const customers = await Promise.all(Array.from({ length: 5 }, () => registerCustomer(system.gatewayUrl)));
    const orders: { customer: MailCustomer; id: string }[] = [];
    for (let round = 0; round < 10; round++) {
      const placed = await Promise.all(customers.map((c) => placeOrder(c, productId, 'tok_visa')));
      for (const [i, o] of placed.entries()) orders.push({ customer: customers[i]!, id: o.id });
    }
    let confirmed = 0;
    for (const { customer, id } of orders)
      if ((await waitForStatus(customer.client, id, undefined, 120_000)).status === 'CONFIRMED') confirmed++;
    t.equal(confirmed, 50, '50 orders confirmed');
    // Every invoice issued (their mails are queued too), and the relay refused tries meanwhile.
    for (const { id } of orders) await tap.waitFor('invoice.issued', id);
    await sleep(2000);
    t.ok(smtp.refused > refusedBefore, `the relay refused ${smtp.refused - refusedBefore} tries while down`);
    const mine = (m: ReceivedMail) => customers.some((c) => mailTo(c.email)(m));
    t.equal(smtp.mails.filter(mine).length, 0, 'nothing got through while it was down');

    smtp.setMode('accept');
    // 5 welcome mails + 50 × (placed, confirmed, invoice)
    await smtp.waitForCount(mine, 155, { what: 'every mail', timeoutMs: 180_000 });
    await sleep(2000);
    const arrived = smtp.mails.filter(mine);
    t.equal(arrived.length, 155, '155 mails, no more');
    t.same(
      [...copiesPerNotification(arrived).values()].filter((n) => n !== 1),
      [],
      'none twice',
    );
    let complete = 0;
    for (const { customer, id } of orders) {
      const m = await orderMails(customer, id);
      if (m.placed.length === 1 && m.confirmed.length === 1 && m.invoice.length === 1) complete++;
    }
    t.equal(complete, 50, 'each order: placed, confirmed and invoice once');
    const failed = await admin.get('/notifications?status=failed&pageSize=100');
    t.equal(
      (failed.body.items as any[]).filter((n) => customers.some((c) => c.userId === n.userId)).length,
      0,
      'none marked failed',
    );
  },
);
