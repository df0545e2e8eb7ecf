// Reading invoices (own only), the PDF, and issuing one by hand.
import { pdfText } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { orderPlaced, paymentSucceeded, startInvoices } from './helpers.ts';

/** Status and whether the body is problem+json: what every error answer must get right. */
const problem = (res: { statusCode: number; headers: Record<string, unknown> }) => ({
  status: res.statusCode,
  problemJson: /^application\/problem\+json/.test(String(res.headers['content-type'])),
});
const asProblem = (status: number) => ({ status, problemJson: true });

t.test('invoices over HTTP', async (t) => {
  const svc = await startInvoices(t);
  const alice = uuidv7();
  const bob = uuidv7();
  const auth = async (sub: string, role: 'customer' | 'admin' = 'customer') => ({
    authorization: `Bearer ${await svc.token(sub, role)}`,
  });
  const admin = await auth(uuidv7(), 'admin');
  const invoiced = async (userId: string) => {
    const order = orderPlaced(userId);
    await svc.publish(svc.event('order.placed', order, order.orderId));
    await svc.publish(svc.event('payment.succeeded', paymentSucceeded(order), order.orderId));
    const [issued] = await svc.events.waitFor('invoice.issued', order.orderId);
    return { order, invoiceId: issued!.data.invoiceId as string, number: issued!.data.number as string };
  };
  const countInvoices = async () => Number((await svc.query('select count(*) as n from invoice'))[0]!.n);

  const a = await invoiced(alice);
  const b = await invoiced(bob);

  t.test('customers see only their own invoices; others’ are 404; admins see all', async (t) => {
    const mine = await svc.app.inject({ method: 'GET', url: '/invoices', headers: await auth(alice) });
    t.equal(mine.statusCode, 200);
    t.same(
      mine.json().items.map((i: { id: string }) => i.id),
      [a.invoiceId],
    );
    const one = await svc.app.inject({
      method: 'GET',
      url: `/invoices/${a.invoiceId}`,
      headers: await auth(alice),
    });
    t.match(one.json(), {
      id: a.invoiceId,
      number: a.number,
      orderId: a.order.orderId,
      total: { amount: '25.00', currency: 'EUR' },
      lines: [
        {
          productName: 'The Hobbit',
          quantity: 2,
          unitPrice: { amount: '10.25' },
          lineTotal: { amount: '20.50' },
        },
        { quantity: 1 },
      ],
    });
    t.same(
      one.json().billingAddress,
      a.order.shippingAddress,
      'the snapshot: recipient, street, city, code, country',
    );
    t.notOk('productName' in one.json().lines[1], 'a line ordered without a name has none');
    t.same(
      problem(
        await svc.app.inject({ method: 'GET', url: `/invoices/${b.invoiceId}`, headers: await auth(alice) }),
      ),
      asProblem(404),
    );
    t.same(
      problem(
        await svc.app.inject({
          method: 'GET',
          url: `/invoices/${b.invoiceId}/pdf`,
          headers: await auth(alice),
        }),
      ),
      asProblem(404),
    );
    const all = await svc.app.inject({ method: 'GET', url: '/invoices?pageSize=100', headers: admin });
    t.same(new Set(all.json().items.map((i: { id: string }) => i.id)), new Set([a.invoiceId, b.invoiceId]));
    const byOrder = await svc.app.inject({
      method: 'GET',
      url: `/invoices?orderId=${b.order.orderId}`,
      headers: admin,
    });
    t.equal(byOrder.json().total, 1);
  });

  t.test('GET /invoices/{id}/pdf is a PDF', async (t) => {
    const res = await svc.app.inject({
      method: 'GET',
      url: `/invoices/${a.invoiceId}/pdf`,
      headers: await auth(alice),
    });
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^application\/pdf/);
    t.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = pdfText(res.rawPayload);
    t.match(text, 'The Hobbit', 'a line shows the product as ordered');
    t.match(text, a.order.lines[1]!.productId, 'a line without a name shows the product id');
    t.match(text, a.number);
    // The billing address is the order's shipping address as it was ordered, printed in full.
    const address = a.order.shippingAddress!;
    for (const line of [
      address.name,
      address.street,
      `${address.postalCode} ${address.city}`,
      address.country,
    ])
      t.match(text, line, `the PDF prints ${line}`);
    t.notMatch(text, /Address [0-9a-f-]{36}/, 'not the bare address id');
  });

  t.test(
    'admin POST /invoices: 201 for a paid order without one, 409 when it has one, 422 unpaid',
    async (t) => {
      // A paid order whose invoice was never issued (restored from a backup, say): seeded directly.
      const order = orderPlaced(alice);
      const placed = svc.event('order.placed', order, order.orderId);
      await svc.publish(placed);
      const { eventually } = await import('@mercato/testing');
      await eventually(async () => {
        if ((await svc.query('select 1 from inbox where message_id = $1', [placed.id])).length !== 1)
          throw new Error('order not seen yet');
      });
      t.same(
        problem(
          await svc.app.inject({
            method: 'POST',
            url: '/invoices',
            headers: admin,
            payload: { orderId: order.orderId },
          }),
        ),
        asProblem(422),
        'not paid',
      );
      const paymentId = uuidv7();
      await svc.query(
        `insert into order_payment (order_id, payment_id, user_id, revision, amount, currency) values ($1, $2, $3, 1, 25, 'EUR')`,
        [order.orderId, paymentId, alice],
      );
      const issued = await svc.app.inject({
        method: 'POST',
        url: '/invoices',
        headers: admin,
        payload: { orderId: order.orderId },
      });
      t.equal(issued.statusCode, 201);
      t.match(issued.json(), {
        orderId: order.orderId,
        userId: alice,
        paymentId,
        total: { amount: '25.00' },
      });
      const [event] = await svc.events.waitFor('invoice.issued', order.orderId);
      t.equal(event!.data.invoiceId, issued.json().id);
      const before = await countInvoices();
      t.same(
        problem(
          await svc.app.inject({
            method: 'POST',
            url: '/invoices',
            headers: admin,
            payload: { orderId: order.orderId },
          }),
        ),
        asProblem(409),
      );
      t.same(
        problem(
          await svc.app.inject({
            method: 'POST',
            url: '/invoices',
            headers: await auth(alice),
            payload: { orderId: uuidv7() },
          }),
        ),
        asProblem(403),
      );
      t.same(
        problem(
          await svc.app.inject({
            method: 'POST',
            url: '/invoices',
            headers: admin,
            payload: { orderId: uuidv7() },
          }),
        ),
        asProblem(422),
        'unknown order: not paid',
      );
      t.equal(await countInvoices(), before);
    },
  );

  t.test('bad input → 400 problem+json, nothing changes; no token → 401', async (t) => {
    const before = await countInvoices();
    for (const payload of [{}, { orderId: 'nope' }, { orderId: uuidv7(), extra: 1 }]) {
      t.same(
        problem(await svc.app.inject({ method: 'POST', url: '/invoices', headers: admin, payload })),
        asProblem(400),
        JSON.stringify(payload),
      );
    }
    for (const url of [
      '/invoices/nope',
      '/invoices/nope/pdf',
      '/invoices?pageSize=0',
      '/invoices?year=abc',
      '/invoices?orderId=1',
    ]) {
      t.same(problem(await svc.app.inject({ method: 'GET', url, headers: admin })), asProblem(400), url);
    }
    for (const r of [
      { method: 'GET' as const, url: '/invoices' },
      { method: 'GET' as const, url: `/invoices/${a.invoiceId}` },
      { method: 'GET' as const, url: `/invoices/${a.invoiceId}/pdf` },
      { method: 'POST' as const, url: '/invoices', payload: { orderId: uuidv7() } },
    ]) {
      t.same(problem(await svc.app.inject(r)), asProblem(401), `${r.method} ${r.url}`);
    }
    t.equal(await countInvoices(), before);
  });
});
