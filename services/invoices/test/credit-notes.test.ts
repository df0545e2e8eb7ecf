// Credit notes (issue 12): return.received → one credit note per return, in its own gapless series
// per year ("CN-2026-000001"), naming the invoice it corrects, with credit_note.issued in the same
// transaction; read over HTTP by its owner or an admin (anyone else: 404), as JSON and as a PDF.
import { eventually, pdfText } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { orderPlaced, paymentSucceeded, returnReceived, sleep, startInvoices } from './helpers.ts';

const year = new Date().getUTCFullYear();
const isProblem = (res: { statusCode: number; headers: Record<string, unknown> }, status: number) =>
  res.statusCode === status && /^application\/problem\+json/.test(String(res.headers['content-type']));

t.test('credit notes from returns', async (t) => {
  const svc = await startInvoices(t);
  const auth = async (sub: string, role: 'customer' | 'admin' = 'customer') => ({
    authorization: `Bearer ${await svc.token(sub, role)}`,
  });
  const handled = (id: string, consumer = 'invoices.credit-note') =>
    eventually(async () => {
      const rows = await svc.query('select 1 from inbox where message_id = $1 and consumer = $2', [
        id,
        consumer,
      ]);
      if (rows.length !== 1) throw new Error(`${id} not handled by ${consumer} yet`);
    });
  const invoiced = async (userId: string) => {
    const order = orderPlaced(userId);
    await svc.publish(svc.event('order.placed', order, order.orderId));
    await svc.publish(svc.event('payment.succeeded', paymentSucceeded(order), order.orderId));
    const [issued] = await svc.events.waitFor('invoice.issued', order.orderId);
    return {
      order,
      invoiceId: issued!.data.invoiceId as string,
      invoiceNumber: issued!.data.number as string,
    };
  };
  const credited = async (ret: ReturnType<typeof returnReceived>) => {
    const message = svc.event('return.received', ret, ret.orderId);
    await svc.publish(message);
    const [issued] = await eventually(async () => {
      const found = svc.events
        .of('credit_note.issued', ret.orderId)
        .filter((e) => e.data.returnId === ret.returnId);
      if (found.length === 0) throw new Error('no credit note yet');
      return found;
    });
    return { message, issued: issued! };
  };

  const alice = uuidv7();
  const a = await invoiced(alice);
  const b = await invoiced(uuidv7());

  t.test('a return of an invoiced order → a credit note and credit_note.issued', async (t) => {
    const ret = returnReceived(a.order);
    const { message, issued } = await credited(ret);
    t.match(issued.data, {
      number: new RegExp(`^CN-${year}-\\d{6}$`),
      invoiceId: a.invoiceId,
      orderId: a.order.orderId,
      userId: alice,
      returnId: ret.returnId,
      total: { amount: '10.25', currency: 'EUR' },
    });
    t.equal(issued.causationId, message.id, 'caused by the return');
    t.equal(issued.correlationId, a.order.orderId);

    const res = await svc.app.inject({
      method: 'GET',
      url: `/invoices/credit-notes/${issued.data.creditNoteId}`,
      headers: await auth(alice),
    });
    t.equal(res.statusCode, 200);
    t.same(
      { ...res.json(), id: undefined, issuedAt: undefined },
      {
        id: undefined,
        number: issued.data.number,
        year,
        sequence: Number(issued.data.number.slice(-6)),
        orderId: a.order.orderId,
        userId: alice,
        returnId: ret.returnId,
        invoiceId: a.invoiceId,
        invoiceNumber: a.invoiceNumber,
        lines: [
          {
            productId: a.order.lines[0]!.productId,
            productName: 'The Hobbit',
            quantity: 1,
            amount: { amount: '10.25', currency: 'EUR' },
          },
        ],
        total: { amount: '10.25', currency: 'EUR' },
        billingAddress: a.order.shippingAddress,
        billingAddressId: a.order.shippingAddressId,
        issuedAt: undefined,
      },
      'numbered, the lines named as ordered, the invoice it corrects, the buyer as invoiced',
    );
    t.equal(res.json().issuedAt, issued.data.issuedAt);
  });

  t.test('the PDF: titled Credit note, with its number, the invoice it corrects and the lines', async (t) => {
    const ret = returnReceived(a.order, [
      { productId: a.order.lines[0]!.productId, quantity: 1, amount: '10.25' },
      { productId: a.order.lines[1]!.productId, quantity: 1, amount: '4.50' },
    ]);
    const { issued } = await credited(ret);
    const res = await svc.app.inject({
      method: 'GET',
      url: `/invoices/credit-notes/${issued.data.creditNoteId}/pdf`,
      headers: await auth(alice),
    });
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^application\/pdf/);
    t.match(res.headers['content-disposition'], `credit-note-${issued.data.number}.pdf`);
    t.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = pdfText(res.rawPayload);
    t.match(text, `Credit note ${issued.data.number}`);
    t.match(text, `Corrects invoice: ${a.invoiceNumber}`);
    t.match(text, 'The Hobbit', 'a line named as ordered');
    t.match(text, a.order.lines[1]!.productId, 'a line ordered without a name shows the product id');
    t.match(text, 'Total credited: 14.75 EUR');
    t.match(text, 'Ada Lovelace', 'the buyer');
  });

  t.test('redelivered, and the same return in a new message: one credit note, one event', async (t) => {
    const ret = returnReceived(b.order);
    const { message } = await credited(ret);
    await svc.publish(message);
    const again = svc.event('return.received', ret, ret.orderId);
    await svc.publish(again);
    await handled(again.id);
    await sleep(200);
    t.equal((await svc.query('select 1 from credit_note where return_id = $1', [ret.returnId])).length, 1);
    t.equal(
      svc.events.of('credit_note.issued', ret.orderId).filter((e) => e.data.returnId === ret.returnId).length,
      1,
    );
  });

  t.test('ownership: own or admin; another customer’s is 404; no token 401; bad id 400', async (t) => {
    const ret = returnReceived(b.order);
    const { issued } = await credited(ret);
    const id = issued.data.creditNoteId as string;
    for (const url of [`/invoices/credit-notes/${id}`, `/invoices/credit-notes/${id}/pdf`]) {
      t.ok(
        isProblem(await svc.app.inject({ method: 'GET', url, headers: await auth(alice) }), 404),
        `${url}: another's`,
      );
      t.ok(isProblem(await svc.app.inject({ method: 'GET', url }), 401), `${url}: no token`);
      t.equal(
        (await svc.app.inject({ method: 'GET', url, headers: await auth(b.order.userId) })).statusCode,
        200,
      );
      t.equal(
        (await svc.app.inject({ method: 'GET', url, headers: await auth(uuidv7(), 'admin') })).statusCode,
        200,
      );
    }
    const unknown = await svc.app.inject({
      method: 'GET',
      url: `/invoices/credit-notes/${uuidv7()}`,
      headers: await auth(alice),
    });
    t.same(
      { ...unknown.json(), instance: undefined, requestId: undefined },
      {
        ...(
          await svc.app.inject({
            method: 'GET',
            url: `/invoices/credit-notes/${id}`,
            headers: await auth(alice),
          })
        ).json(),
        instance: undefined,
        requestId: undefined,
      },
      "another's answers exactly as an unknown one",
    );

    const mine = await svc.app.inject({
      method: 'GET',
      url: '/invoices/credit-notes',
      headers: await auth(alice),
    });
    t.equal(mine.statusCode, 200);
    t.ok(mine.json().items.length >= 1);
    t.ok(
      mine.json().items.every((n: { userId: string }) => n.userId === alice),
      'only her own',
    );
    const othersOrder = await svc.app.inject({
      method: 'GET',
      url: `/invoices/credit-notes?orderId=${b.order.orderId}`,
      headers: await auth(alice),
    });
    t.equal(othersOrder.json().total, 0, "filtering by another's order shows nothing");
    const admin = await svc.app.inject({
      method: 'GET',
      url: `/invoices/credit-notes?orderId=${b.order.orderId}&pageSize=100`,
      headers: await auth(uuidv7(), 'admin'),
    });
    t.ok(admin.json().items.length >= 1);
    t.ok(admin.json().items.every((n: { orderId: string }) => n.orderId === b.order.orderId));

    for (const url of [
      '/invoices/credit-notes/nope',
      '/invoices/credit-notes/nope/pdf',
      '/invoices/credit-notes?orderId=1',
      '/invoices/credit-notes?pageSize=0',
    ])
      t.ok(isProblem(await svc.app.inject({ method: 'GET', url, headers: await auth(alice) }), 400), url);
    t.ok(isProblem(await svc.app.inject({ method: 'GET', url: '/invoices/credit-notes' }), 401));
  });

  t.test(
    'a return before the invoice: issued without invoiceId; the invoice fills the link in',
    async (t) => {
      const order = orderPlaced(uuidv7());
      const placed = svc.event('order.placed', order, order.orderId);
      await svc.publish(placed);
      await handled(placed.id, 'invoices.order-view');
      const ret = returnReceived(order);
      const { issued } = await credited(ret);
      t.notOk('invoiceId' in issued.data, 'no invoice yet');
      const url = `/invoices/credit-notes/${issued.data.creditNoteId}`;
      const before = (await svc.app.inject({ method: 'GET', url, headers: await auth(order.userId) })).json();
      t.notOk('invoiceId' in before);
      t.same(before.billingAddress, order.shippingAddress, 'the buyer as ordered');
      const pdfBefore = pdfText(
        (await svc.app.inject({ method: 'GET', url: `${url}/pdf`, headers: await auth(order.userId) }))
          .rawPayload,
      );
      t.match(pdfBefore, 'not issued yet');

      await svc.publish(svc.event('payment.succeeded', paymentSucceeded(order), order.orderId));
      const [invoice] = await svc.events.waitFor('invoice.issued', order.orderId);
      const after = (await svc.app.inject({ method: 'GET', url, headers: await auth(order.userId) })).json();
      t.equal(after.invoiceId, invoice!.data.invoiceId, 'linked to the invoice');
      t.equal(after.invoiceNumber, invoice!.data.number);
      t.same(
        { ...after, invoiceId: undefined, invoiceNumber: undefined },
        { ...before, invoiceId: undefined, invoiceNumber: undefined },
        'nothing else changes',
      );
      const pdfAfter = pdfText(
        (await svc.app.inject({ method: 'GET', url: `${url}/pdf`, headers: await auth(order.userId) }))
          .rawPayload,
      );
      t.match(pdfAfter, `Corrects invoice: ${invoice!.data.number}`);
      t.equal(svc.events.of('credit_note.issued', order.orderId).length, 1, 'not announced again');
    },
  );

  t.test('a return before the order is known → retried, then issued once', async (t) => {
    const order = orderPlaced(uuidv7());
    const ret = returnReceived(order);
    const message = svc.event('return.received', ret, ret.orderId);
    await svc.publish(message);
    await sleep(100);
    t.equal((await svc.query('select 1 from inbox where message_id = $1', [message.id])).length, 0);
    await svc.publish(svc.event('order.placed', order, order.orderId));
    const [issued] = await svc.events.waitFor('credit_note.issued', order.orderId);
    t.equal(issued!.data.returnId, ret.returnId);
    await handled(message.id);
    t.equal(svc.events.of('credit_note.issued', order.orderId).length, 1);
  });

  t.test('a return whose lines do not add up to its refund: no credit note, no number taken', async (t) => {
    const [before] = await svc.query('select last from credit_note_counter where year = $1', [year]);
    const bad = returnReceived(a.order, undefined, '99.00');
    await svc.publish(svc.event('return.received', bad, bad.orderId));
    const good = returnReceived(a.order);
    const { issued } = await credited(good);
    t.equal(issued.data.number, `CN-${year}-${String(before!.last + 1).padStart(6, '0')}`, 'the next number');
    await sleep(700); // past the retries (200, 400 ms)
    t.equal((await svc.query('select 1 from credit_note where return_id = $1', [bad.returnId])).length, 0);
    const [after] = await svc.query('select last from credit_note_counter where year = $1', [year]);
    t.equal(after!.last, before!.last + 1, 'only the good one took a number');
  });

  t.test('user.erased: credit notes stay as issued, like invoices', async (t) => {
    const { issued } = await credited(returnReceived(a.order));
    const erased = svc.event('user.erased', {
      userId: alice,
      email: 'alice@example.com',
      erasedAt: new Date().toISOString(),
    });
    await svc.publish(erased);
    await handled(erased.id, 'invoices.erasure');
    const res = await svc.app.inject({
      method: 'GET',
      url: `/invoices/credit-notes/${issued.data.creditNoteId}`,
      headers: await auth(uuidv7(), 'admin'),
    });
    t.same(res.json().billingAddress, a.order.shippingAddress, "the buyer's data as issued");
    // A return received after the erasure: the buyer as invoiced (the invoice's copy is kept).
    const { issued: later } = await credited(returnReceived(a.order));
    const laterNote = await svc.app.inject({
      method: 'GET',
      url: `/invoices/credit-notes/${later.data.creditNoteId}`,
      headers: await auth(uuidv7(), 'admin'),
    });
    t.same(laterNote.json().billingAddress, a.order.shippingAddress);
  });
});

t.test(
  '40 returns at once on two replicas → credit notes CN-…-000001..000040, no gap, no duplicate',
  async (t) => {
    const svc = await startInvoices(t, {}, 2);
    const orders = Array.from({ length: 20 }, () => orderPlaced(uuidv7()));
    await Promise.all(orders.map((o) => svc.publish(svc.event('order.placed', o, o.orderId))));
    // Half of them invoiced: the invoices' series goes on by itself.
    await Promise.all(
      orders
        .slice(0, 10)
        .map((o) => svc.publish(svc.event('payment.succeeded', paymentSucceeded(o), o.orderId))),
    );
    await svc.events.waitFor('invoice.issued', undefined, 10);
    await eventually(
      async () => {
        const [row] = await svc.query('select count(*)::int as n from order_view');
        if (row!.n !== 20) throw new Error(`${row!.n} orders known`);
      },
      { timeoutMs: 30_000 },
    );
    // Two returns per order, each of one line.
    const returns = orders.flatMap((o) => [
      returnReceived(o, [{ productId: o.lines[0]!.productId, quantity: 2, amount: '20.50' }]),
      returnReceived(o, [{ productId: o.lines[1]!.productId, quantity: 1, amount: '4.50' }]),
    ]);
    await Promise.all(returns.map((r) => svc.publish(svc.event('return.received', r, r.orderId))));
    const issued = await svc.events.waitFor('credit_note.issued', undefined, 40);

    const rows = await svc.query('select number, return_id from credit_note order by number');
    t.same(
      rows.map((r) => r.number),
      Array.from({ length: 40 }, (_, i) => i + 1),
      'numbers 1..40',
    );
    t.equal(new Set(rows.map((r) => r.return_id)).size, 40, 'one per return');
    t.same(
      issued.map((e) => e.data.number).sort(),
      Array.from({ length: 40 }, (_, i) => `CN-${year}-${String(i + 1).padStart(6, '0')}`),
      'the events carry the same numbers',
    );
    const invoiceNumbers = (await svc.query('select number from invoice order by number')).map(
      (r) => r.number,
    );
    t.same(
      invoiceNumbers,
      Array.from({ length: 10 }, (_, i) => i + 1),
      'invoices keep their own series',
    );
  },
);
