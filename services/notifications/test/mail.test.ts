// Each consumer renders and sends its mail through a real SMTP server, parsed as it arrived: subject,
// recipient, text, HTML and (for the invoice) the attached PDF. Redelivery sends nothing twice, an
// order of a user not known yet waits for user.registered, and erasure clears the user's records.
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { orderPlaced, setup } from './helpers.ts';

t.test(
  'account mails: one welcome + verification, resends, password reset, refused registration',
  async (t) => {
    const s = await setup(t);
    const u = await s.registered('Ada Lovelace');
    const verify = s.event('user.verification_requested', {
      userId: u.id,
      email: u.email,
      token: 'verify-token-1',
      expiresAt: '2026-12-03T12:00:00Z',
    });
    await s.publish(verify);
    const [welcome] = await s.sink.waitForTo(u.email);
    const w = welcome!;
    t.equal(w.subject, 'Welcome to Testshop: please confirm your e-mail address');
    t.same(w.to, [u.email], 'the To header: the user alone');
    t.equal(w.from, '"Mercato" <shop@mercato.local>', 'from MAIL_FROM');
    t.match(w.text, 'Welcome, Ada Lovelace!');
    t.match(w.text, 'https://shop.test/verify?token=verify-token-1');
    t.match(w.html, 'https://shop.test/verify?token&#x3D;verify-token-1');
    t.equal(s.sink.to(u.email).length, 1, 'user.registered itself sends nothing: one welcome + verify mail');
    const [rec] = await s.records('event_id = $1', [verify.id]);
    t.match(w.messageId, `<${rec.id}@mercato.local>`, 'the Message-ID is derived from the record');

    // A resend is a plain verification mail, not a second welcome.
    await s.publish(
      s.event('user.verification_requested', {
        userId: u.id,
        email: u.email,
        token: 'verify-token-2',
        expiresAt: '2026-12-04T12:00:00Z',
      }),
    );
    const [, again] = await s.sink.waitForTo(u.email, 2);
    t.equal(again!.subject, 'Confirm your e-mail address at Testshop');
    t.match(again!.text, 'verify?token=verify-token-2');

    const occurredAt = new Date();
    const reset = {
      ...s.event('user.password_reset_requested', {
        userId: u.id,
        email: u.email,
        token: 'reset-token',
        expiresAt: new Date(occurredAt.getTime() + 30 * 60_000).toISOString(),
      }),
      occurredAt: occurredAt.toISOString(),
    };
    await s.publish(reset);
    const [resetMail] = await s.sink.waitForTo(u.email, 1, /Reset your Testshop password/);
    t.match(resetMail!.text, 'https://shop.test/reset-password?token=reset-token');
    t.match(resetMail!.text, 'valid for 30 minutes', 'says how long the link is valid');

    const taken = s.event('user.registration_refused', {
      email: u.email,
      username: 'someone-else',
      reason: 'email-taken',
      userId: u.id,
    });
    await s.publish(taken);
    const [refused] = await s.sink.waitForTo(u.email, 1, /Someone tried to register/);
    t.match(refused!.text, 'You already have an account');
  },
);

t.test(
  'order mails: placed, declined with the deadline, confirmed, invoice with its PDF, cancelled with refund, refunded, shipped, delivered',
  async (t) => {
    const s = await setup(t);
    const u = await s.registered('Grace Hopper');
    const placed = orderPlaced(u.id);
    const { orderId } = placed;
    await s.publish(s.event('order.placed', placed));
    const [p] = await s.sink.waitForTo(u.email, 1, /We received your order/);
    t.equal(p!.subject, `We received your order ${orderId}`);
    t.match(p!.text, '2 x The Hobbit: €20.50');
    t.match(p!.text, `1 x Product ${placed.lines[1]!.productId}: €4.50`);
    t.match(p!.text, 'Total: €25.00');
    t.match(p!.html, /The Hobbit/);

    await s.publish(
      s.event('order.payment_declined', {
        orderId,
        userId: u.id,
        revision: 1,
        total: placed.total,
        reason: 'card declined',
        retryUntil: '2026-12-02T14:30:00.000Z',
      }),
    );
    const [d] = await s.sink.waitForTo(u.email, 1, /declined/);
    t.match(d!.text, 'the payment of €25.00');
    t.match(d!.text, 'We keep your items until 2 December 2026 at 14:30 UTC', 'the deadline, formatted');

    await s.publish(
      s.event('order.confirmed', {
        orderId,
        userId: u.id,
        revision: 1,
        lines: placed.lines,
        total: placed.total,
      }),
    );
    const [c] = await s.sink.waitForTo(u.email, 1, /is confirmed/);
    t.match(c!.text, '2 x The Hobbit: €20.50');

    const inv = s.pdf.invoice();
    await s.publish(
      s.event('invoice.issued', {
        invoiceId: inv.invoiceId,
        number: '2026-000042',
        orderId,
        userId: u.id,
        total: placed.total,
        issuedAt: '2026-12-02T12:05:00Z',
        downloadToken: inv.token,
      }),
    );
    const [i] = await s.sink.waitForTo(u.email, 1, /invoice 2026-000042/);
    t.equal(i!.attachments.length, 1, 'the PDF is attached');
    const att = i!.attachments[0]!;
    t.equal(att.filename, 'invoice-2026-000042.pdf');
    t.equal(att.contentType, 'application/pdf');
    t.equal(att.content.subarray(0, 4).toString('latin1'), '%PDF');

    await s.publish(
      s.event('order.cancelled', { orderId, userId: u.id, reason: 'customer', previousStatus: 'CONFIRMED' }),
    );
    const [x] = await s.sink.waitForTo(u.email, 1, /was cancelled/);
    t.match(x!.text, 'was cancelled: you cancelled it');
    t.match(x!.text, 'the refund of €25.00 is under way', 'a paid order: the refund of the total');

    await s.publish(
      s.event('payment.refunded', {
        paymentId: uuidv7(),
        refundId: uuidv7(),
        orderId,
        userId: u.id,
        amount: { amount: '25.00', currency: 'EUR' },
        reason: 'order cancelled',
      }),
    );
    const [r] = await s.sink.waitForTo(u.email, 1, /Refund of €25.00/);
    t.match(r!.text, 'we refunded €25.00');

    await s.publish(
      s.event('order.shipped', { orderId, userId: u.id, status: 'SHIPPED', previousStatus: 'CONFIRMED' }),
    );
    await s.publish(
      s.event('order.delivered', { orderId, userId: u.id, status: 'DELIVERED', previousStatus: 'SHIPPED' }),
    );
    const [sh] = await s.sink.waitForTo(u.email, 1, /on its way/);
    t.match(sh!.text, 'The Hobbit', 'shipped names the lines from the placed order');
    await s.sink.waitForTo(u.email, 1, /was delivered/);

    // An unpaid order's cancellation promises no refund.
    const other = orderPlaced(u.id);
    await s.publish(s.event('order.placed', other));
    await s.publish(
      s.event('order.cancelled', {
        orderId: other.orderId,
        userId: u.id,
        reason: 'out_of_stock',
        previousStatus: 'PENDING',
      }),
    );
    const [y] = await s.sink.waitForTo(u.email, 1, new RegExp(`${other.orderId} was cancelled`));
    t.match(y!.text, 'some items were out of stock');
    t.notMatch(y!.text, 'refund');

    const rows = await s.settled('user_id = $1', [u.id]);
    t.ok(
      rows.every((r: any) => r.status === 'sent' && r.attempts === 1 && /^250/.test(r.smtp_response)),
      'each recorded as sent with the SMTP reply',
    );
  },
);

t.test('the invoice mail waits for its PDF: never sent without it', async (t) => {
  const s = await setup(t);
  const u = await s.registered();
  s.pdf.state.down = true;
  const inv = s.pdf.invoice();
  const e = s.event('invoice.issued', {
    invoiceId: inv.invoiceId,
    number: '2026-000043',
    orderId: uuidv7(),
    userId: u.id,
    total: { amount: '3.00', currency: 'EUR' },
    issuedAt: '2026-12-02T12:05:00Z',
    downloadToken: inv.token,
  });
  await s.publish(e);
  await s.handled(e);
  const [row] = await (async () => {
    for (;;) {
      const rows = await s.records('event_id = $1 and attempts >= 2', [e.id]);
      if (rows.length) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  t.equal(row.status, 'queued', 'still queued, retried from its record');
  t.match(row.last_error, /invoice PDF .*503/);
  t.equal(s.sink.to(u.email).length, 0, 'nothing sent without the PDF');
  s.pdf.state.down = false;
  const [mail] = await s.sink.waitForTo(u.email);
  t.equal(mail!.attachments[0]?.content.subarray(0, 4).toString('latin1'), '%PDF');
});

t.test('an order of a user not known yet is retried until user.registered arrives', async (t) => {
  const s = await setup(t);
  const u = await s.user();
  const placed = orderPlaced(u.id);
  await s.publish(s.event('order.placed', placed));
  await new Promise((r) => setTimeout(r, 300));
  t.equal((await s.records()).length, 0, 'nothing queued for an unknown user');
  await s.publish(
    s.event('user.registered', {
      userId: u.id,
      email: u.email,
      username: 'late',
      name: 'Late Comer',
      role: 'customer',
    }),
  );
  const [mail] = await s.sink.waitForTo(u.email, 1, /We received your order/);
  t.match(mail!.text, 'Thank you, Late Comer!');
});

t.test('every event delivered twice: each person gets each mail once', async (t) => {
  const s = await setup(t);
  const u = await s.registered();
  const placed = orderPlaced(u.id);
  const events = [
    s.event('user.verification_requested', {
      userId: u.id,
      email: u.email,
      token: 'tok-1',
      expiresAt: '2026-12-03T12:00:00Z',
    }),
    s.event('order.placed', placed),
    s.event('order.confirmed', {
      orderId: placed.orderId,
      userId: u.id,
      revision: 1,
      lines: placed.lines,
      total: placed.total,
    }),
    s.event('stock.low', { productId: placed.lines[0]!.productId, available: 2, threshold: 5 }),
  ];
  // order.placed first (the alert names the product from it), then everything, then all again.
  await s.publish(events[1]!);
  await s.handled(events[1]!);
  await s.publish(...events);
  await s.publish(...events); // redelivered
  for (const e of events) await s.handled(e);
  await s.sink.waitForTo(u.email, 3);
  await s.sink.waitForTo('ops@shop.test');
  await s.sink.waitForTo('boss@shop.test');
  await new Promise((r) => setTimeout(r, 500));
  t.equal(s.sink.to(u.email).length, 3, 'three mails to the customer, none twice');
  t.equal(new Set(s.sink.to(u.email).map((m) => m.subject)).size, 3);
  t.equal(s.sink.to('ops@shop.test').length, 1, 'one low-stock alert per admin');
  const [alert] = s.sink.to('boss@shop.test');
  t.equal(alert!.subject, 'Low stock: The Hobbit (2 left)', 'the product named from the orders seen');
  t.equal((await s.records()).length, 5);
});

t.test('erasure: the confirmation goes to the old address, then the user is forgotten', async (t) => {
  const s = await setup(t);
  const u = await s.registered('Erin Erased');
  const keep = await s.registered('Kept Customer');
  const placed = orderPlaced(u.id);
  await s.publish(s.event('order.placed', placed), s.event('order.placed', orderPlaced(keep.id)));
  await s.sink.waitForTo(u.email);
  await s.sink.waitForTo(keep.email);
  const pref = await s.app.inject({
    method: 'PATCH',
    url: '/notifications/preferences',
    headers: s.bearer(u.token),
    payload: { marketing: true },
  });
  t.equal(pref.statusCode, 200);

  const erased = s.event('user.erased', { userId: u.id, email: u.email, erasedAt: '2026-12-02T15:00:00Z' });
  await s.publish(erased);
  const [confirmation] = await s.sink.waitForTo(u.email, 1, /account was deleted/);
  t.match(confirmation!.text, 'this is the last mail to this address');
  await s.handled(erased);
  const rows = await (async () => {
    for (;;) {
      const r = await s.records('user_id = $1', [u.id]);
      if (r.every((x: any) => x.status !== 'queued')) return r;
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  t.equal(rows.length, 2, 'the records stay (order mail and confirmation)');
  for (const r of rows) {
    t.equal(r.recipient, null, `${r.template}: no recipient`);
    t.equal(r.html, null, `${r.template}: no HTML body`);
    t.equal(r.text, null, `${r.template}: no text body`);
    t.equal(r.status, 'sent');
  }
  const leaks = await s.query(
    `select (select count(*) from notification where recipient = $1 or text like '%' || $2 || '%')::int as n,
            (select count(*) from user_contact where email = $1 or name = $2)::int as c,
            (select count(*) from order_view where user_id = $3)::int as o,
            (select count(*) from preference where user_id = $3)::int as p`,
    [u.email, 'Erin Erased', u.id],
  );
  t.same(leaks[0], { n: 0, c: 0, o: 0, p: 0 }, 'neither address nor name nor orders nor preferences remain');
  const kept = await s.records('user_id = $1', [keep.id]);
  t.equal(kept[0].recipient, keep.email, "another user's records are untouched");

  // A late event for the erased user is dropped, not retried or sent.
  const late = s.event('order.shipped', {
    orderId: placed.orderId,
    userId: u.id,
    status: 'SHIPPED',
    previousStatus: 'CONFIRMED',
  });
  await s.publish(late);
  await s.handled(late);
  t.equal((await s.records('event_id = $1', [late.id])).length, 0);

  const mine = await s.app.inject({ method: 'GET', url: '/notifications', headers: s.bearer(u.token) });
  t.equal(mine.statusCode, 200);
  t.ok(mine.json().items.every((i: any) => i.recipient === null));
});

t.test('erasure: a confirmation the relay refuses for good is forgotten all the same', async (t) => {
  const s = await setup(t);
  const u = await s.registered('Refused Confirmation');
  s.sink.setMode({ code: 550, message: 'no such mailbox' });
  const erased = s.event('user.erased', { userId: u.id, email: u.email, erasedAt: '2026-12-02T15:00:00Z' });
  await s.publish(erased);
  const row = await (async () => {
    for (;;) {
      const [r] = await s.records('event_id = $1', [erased.id]);
      if (r?.status === 'failed') return r;
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  t.equal(row.recipient, null);
  t.equal(row.text, null);
  t.match(row.smtp_response, /^550/);
});
