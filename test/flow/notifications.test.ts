// The mail a customer gets, end to end through the gateway with the real services and a real SMTP
// server in this process (startSmtpSink: smtp-server + mailparser): the verification mail and
// POST /auth/verify; the order mails (placed, confirmed, the invoice with its PDF attached); the
// declined-card mail with the retry deadline; password reset; the one low-stock alert to the admins;
// and account erasure (the confirmation mail, then nothing personal left but the invoices).
import { eventually, pdfText, startSmtpSink } from '@mercato/testing';
import t from 'tap';
import { adminClient, Client, loginAs, stockedProduct, waitForStatus } from '../support/client.ts';
import {
  copiesPerNotification,
  linkToken,
  mailDateTime,
  mailTo,
  placeOrder,
  registerCustomer,
} from '../support/mail.ts';
import { ADMIN_EMAIL, startSystem } from '../support/system.ts';

const smtp = await startSmtpSink();
const system = await startSystem({
  smtpPort: smtp.port,
  env: {
    // A declined card keeps the order PENDING for an hour: the mail names that deadline.
    orders: { PAYMENT_RETRY_WINDOW_MS: String(3_600_000) },
    notifications: { SENDER_POLL_INTERVAL_MS: '100' },
  },
});
t.teardown(async () => {
  await system.stop();
  await smtp.close();
});
const admin = await adminClient(system.gatewayUrl);
const SHOP_URL = 'http://shop.mercato.test';

t.test(
  'register → verification mail → verify; an order → placed, confirmed, invoice with its PDF; a declined card → the deadline',
  async (t) => {
    const ada = await registerCustomer(system.gatewayUrl);
    t.equal((await ada.client.get('/auth/me')).body.emailVerified, false, 'unverified at first');

    const welcome = await smtp.waitFor(mailTo(ada.email, 'Welcome to Mercato'), { what: 'welcome mail' });
    t.same(welcome.to, [ada.email]);
    t.match(welcome.from, /Mercato/);
    t.match(welcome.text, `${SHOP_URL}/verify?token=`);
    // (in the HTML, `=` may be written &#x3D;: the same link once the attribute is read)
    t.match(welcome.html, /\/verify\?token(=|&#x3D;)/, 'the HTML part has the link too');
    const token = linkToken(welcome, '/verify');
    const verified = await new Client(system.gatewayUrl).post('/auth/verify', { token });
    t.equal(verified.status, 200, 'POST /auth/verify with the mailed token');
    t.equal(verified.body.emailVerified, true);
    t.equal((await new Client(system.gatewayUrl).post('/auth/verify', { token })).status, 400, 'single use');

    const { productId } = await stockedProduct(admin, { onHand: 50, price: '12.50', name: 'Mail test mug' });
    const order = await placeOrder(ada, productId, 'tok_visa', 2);
    t.equal((await waitForStatus(ada.client, order.id)).status, 'CONFIRMED');

    const placed = await smtp.waitFor(mailTo(ada.email, `We received your order ${order.id}`), {
      what: 'placed',
    });
    t.match(placed.text, 'Mail test mug', 'the lines');
    t.match(placed.html, 'Mail test mug');
    await smtp.waitFor(mailTo(ada.email, `Your order ${order.id} is confirmed`), { what: 'confirmed' });

    const invoice = await eventually(
      async () => {
        const r = await admin.get(`/invoices?orderId=${order.id}`);
        if (!r.body?.items?.[0]) throw new Error('no invoice yet');
        return r.body.items[0];
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const invoiceMail = await smtp.waitFor(mailTo(ada.email, `Your invoice ${invoice.number}`), {
      what: 'invoice',
    });
    t.equal(invoiceMail.attachments.length, 1, 'one attachment');
    const [pdf] = invoiceMail.attachments;
    t.equal(pdf!.contentType, 'application/pdf');
    t.equal(pdf!.content.subarray(0, 5).toString('latin1'), '%PDF-', 'a PDF');
    t.match(pdfText(pdf!.content), invoice.number, 'the invoice itself');

    const declined = await placeOrder(ada, productId, 'tok_chargeDeclined');
    const pending = await eventually(
      async () => {
        const r = await ada.client.get(`/orders/${declined.id}`);
        if (!r.body?.payment?.retryUntil) throw new Error('no decline recorded yet');
        return r.body;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    t.equal(pending.status, 'PENDING');
    const declinedMail = await smtp.waitFor(
      mailTo(ada.email, `Payment for your order ${declined.id} was declined`),
      {
        what: 'declined',
      },
    );
    t.match(declinedMail.text, mailDateTime(pending.payment.retryUntil), 'the retry deadline');

    // Each of these mails once (nothing else here is redelivered).
    t.same(
      [...copiesPerNotification(smtp.to(ada.email)).values()].filter((n) => n !== 1),
      [],
      'no mail twice',
    );
    const records = await ada.client.get('/notifications?pageSize=50');
    t.equal(records.status, 200);
    t.ok(
      records.body.items.some(
        (n: any) => n.template === 'invoice-issued' && n.status === 'sent' && n.hasAttachments,
      ),
      'the invoice mail is recorded as sent',
    );
  },
);

t.test('password reset: the mailed link works once; the old password and refresh tokens fail', async (t) => {
  const bob = await registerCustomer(system.gatewayUrl);
  const anon = new Client(system.gatewayUrl);
  t.equal((await anon.post('/auth/password-reset', { email: bob.email })).status, 202);
  const mail = await smtp.waitFor(mailTo(bob.email, 'Reset your Mercato password'), { what: 'reset mail' });
  t.match(mail.text, `${SHOP_URL}/reset-password?token=`);
  const token = linkToken(mail, '/reset-password');

  const newPassword = `${bob.password}-renewed`;
  t.equal((await anon.post('/auth/password-reset/confirm', { token, password: newPassword })).status, 204);
  const again = await anon.post('/auth/password-reset/confirm', { token, password: `${newPassword}-2` });
  t.equal(again.status, 400, 'the link works once');
  t.equal(
    (await anon.post('/auth/login', { email: bob.email, password: bob.password })).status,
    401,
    'the old password fails',
  );
  t.equal(
    (await anon.post('/auth/refresh', { refreshToken: bob.refreshToken })).status,
    401,
    'old refresh token',
  );
  const fresh = await loginAs(system.gatewayUrl, bob.email, newPassword);
  t.equal((await fresh.get('/auth/me')).status, 200, 'the new password works');
});

t.test('selling a product down past its threshold sends one low-stock mail to the admins', async (t) => {
  const name = `Low stock lamp ${Date.now()}`;
  const { productId } = await stockedProduct(admin, { onHand: 10, lowStockThreshold: 5, name });
  const buyer = await registerCustomer(system.gatewayUrl);
  // 10 → 8 → 6 → 4 (crosses 5) → 2 → 0: one crossing.
  for (let i = 0; i < 5; i++) {
    const order = await placeOrder(buyer, productId, 'tok_visa', 2);
    t.equal((await waitForStatus(buyer.client, order.id)).status, 'CONFIRMED', `order ${i + 1}`);
  }
  const alert = await smtp.waitFor(mailTo(ADMIN_EMAIL, `Low stock: ${name}`), { what: 'low-stock alert' });
  t.match(alert.text, name);
  // Give any second alert the time the first one took, and more.
  await new Promise((r) => setTimeout(r, 3000));
  t.equal(
    smtp.mails.filter(mailTo(ADMIN_EMAIL, `Low stock: ${name}`)).length,
    1,
    'one alert, not one per order',
  );
  t.equal(smtp.to(buyer.email).filter((m) => /Low stock/.test(m.subject)).length, 0, 'not to customers');
});

t.test(
  'erasure: a confirmation mail, then no service returns name, e-mail or address; invoices stay; the address registers again',
  async (t) => {
    const eve = await registerCustomer(system.gatewayUrl);
    const { productId } = await stockedProduct(admin, { onHand: 10 });
    const order = await placeOrder(eve, productId, 'tok_visa');
    t.equal((await waitForStatus(eve.client, order.id)).status, 'CONFIRMED');
    const invoice = await eventually(
      async () => {
        const r = await admin.get(`/invoices?orderId=${order.id}`);
        if (!r.body?.items?.[0]) throw new Error('no invoice yet');
        return r.body.items[0];
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await smtp.waitFor(mailTo(eve.email, `Your invoice ${invoice.number}`), { what: 'invoice mail' });
    // something in the cart, for the cart's erasure
    await eventually(
      async () => {
        const r = await eve.client.post('/carts/me/items', { productId, quantity: 1 });
        if (r.status >= 300) throw new Error(`cart: ${r.status}`);
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );

    const personal = [eve.email, eve.username, eve.street];
    const leaks = (where: string, body: unknown) => {
      const text = JSON.stringify(body ?? null).toLowerCase();
      return personal.filter((p) => text.includes(p.toLowerCase())).map((p) => `${where} shows ${p}`);
    };
    // What the check below looks for is there before the erasure (so it can find it after).
    t.ok(
      leaks('identity', (await admin.get(`/users/${eve.userId}`)).body).length > 0,
      'before: identity shows her',
    );
    t.ok(
      leaks('orders', (await admin.get(`/orders/${order.id}`)).body).length > 0,
      'before: her order shows her address',
    );
    t.ok(
      leaks('notifications', (await admin.get(`/notifications?userId=${eve.userId}&pageSize=100`)).body)
        .length > 0,
      'before: her mail records show her e-mail',
    );

    const erased = await eve.client.request('DELETE', '/auth/me', { password: eve.password });
    t.equal(erased.status, 204, 'DELETE /auth/me');
    const confirmation = await smtp.waitFor(mailTo(eve.email, 'account was deleted'), {
      what: 'erasure mail',
    });
    t.ok(confirmation, 'the confirmation went to the address before it was forgotten');

    // Eventually: every service erases on user.erased, asynchronously.
    await eventually(
      async () => {
        const found = [
          ...leaks('identity GET /users/{id}', (await admin.get(`/users/${eve.userId}`)).body),
          ...leaks('identity GET /users', (await admin.get(`/users?pageSize=100`)).body),
          ...leaks('orders GET /orders/{id}', (await admin.get(`/orders/${order.id}`)).body),
          ...leaks('orders GET /orders', (await admin.get(`/orders?pageSize=100`)).body),
          ...leaks(
            'notifications GET /notifications',
            (await admin.get(`/notifications?userId=${eve.userId}&pageSize=100`)).body,
          ),
        ];
        const records =
          (await admin.get(`/notifications?userId=${eve.userId}&pageSize=100`)).body.items ?? [];
        for (const r of records)
          found.push(
            ...leaks(
              `notifications GET /notifications/${r.id}`,
              (await admin.get(`/notifications/${r.id}`)).body,
            ),
          );
        if (found.length > 0) throw new Error(found.join('; '));
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    ).then(
      () => t.pass('no service returns her name, e-mail or address'),
      (err: Error) => t.fail(err.message),
    );
    t.equal((await eve.client.get('/auth/me')).status, 401, 'her tokens are revoked');
    const kept = await admin.get(`/invoices/${invoice.id}`);
    t.equal(kept.status, 200, 'the invoice stays (legal retention, buyer data as issued)');
    t.equal((await admin.get(`/orders/${order.id}`)).body.id, order.id, 'the order stays');

    const again = await new Client(system.gatewayUrl).post('/auth/register', {
      email: eve.email,
      username: `${eve.username}_2`,
      password: eve.password,
    });
    t.equal(again.status, 201, 'the address registers again');
    await smtp.waitFor(
      (m) => mailTo(eve.email, 'Welcome to Mercato')(m) && m.receivedAt > confirmation.receivedAt,
      {
        what: 'a new welcome mail',
      },
    );
  },
);
