// The order's shipping line on its invoice (issue 12): order.placed carries `shipping` (quote, level,
// price; the total includes it); the invoice shows it in the JSON and the PDF, and its rows add up to
// the total exactly. An order whose rows do not add up to its total gets no invoice (and no number).
import { toUnits } from '@mercato/contracts';
import { eventually, pdfText } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { expressShipping, orderPlaced, paymentSucceeded, startInvoices } from './helpers.ts';

t.test('the shipping line on the invoice', async (t) => {
  const svc = await startInvoices(t);
  const auth = async (sub: string, role: 'customer' | 'admin' = 'customer') => ({
    authorization: `Bearer ${await svc.token(sub, role)}`,
  });
  const invoiceOf = async (order: ReturnType<typeof orderPlaced>) => {
    await svc.publish(svc.event('order.placed', order, order.orderId));
    await svc.publish(
      svc.event('payment.succeeded', paymentSucceeded(order, order.total.amount), order.orderId),
    );
    const [issued] = await svc.events.waitFor('invoice.issued', order.orderId);
    const res = await svc.app.inject({
      method: 'GET',
      url: `/invoices/${issued!.data.invoiceId}`,
      headers: await auth(order.userId),
    });
    t.equal(res.statusCode, 200);
    return { issued: issued!.data, invoice: res.json() };
  };

  t.test('JSON: subtotal, the shipping line and a total that is their exact sum', async (t) => {
    const shipping = expressShipping('12.90');
    const order = orderPlaced(uuidv7(), { shipping });
    t.equal(order.total.amount, '37.90', 'the order charged 25.00 + 12.90');
    const { issued, invoice } = await invoiceOf(order);
    t.same(
      issued.total,
      { amount: '37.90', currency: 'EUR' },
      'invoice.issued carries the total with shipping',
    );
    t.same(invoice.subtotal, { amount: '25.00', currency: 'EUR' });
    t.same(invoice.shipping, {
      level: 'express',
      quoteId: shipping.quoteId,
      price: { amount: '12.90', currency: 'EUR' },
    });
    t.same(invoice.total, { amount: '37.90', currency: 'EUR' });
    t.equal(invoice.lines.length, 2, 'the lines are the products; shipping is not one of them');
    const lines = invoice.lines.reduce(
      (sum: bigint, l: { lineTotal: { amount: string } }) => sum + toUnits(l.lineTotal.amount),
      0n,
    );
    t.equal(
      lines + toUnits(invoice.shipping.price.amount),
      toUnits(invoice.total.amount),
      'lines + shipping = total',
    );

    const pdf = await svc.app.inject({
      method: 'GET',
      url: `/invoices/${invoice.id}/pdf`,
      headers: await auth(order.userId),
    });
    t.equal(pdf.statusCode, 200);
    const text = pdfText(pdf.rawPayload);
    t.match(text, 'Lines: 25.00 EUR');
    t.match(text, 'Shipping (express): 12.90 EUR', 'the shipping line with its level and price');
    t.match(text, 'Total: 37.90 EUR');
  });

  t.test('exact to the last decimal: 4-decimal prices add up without rounding', async (t) => {
    const order = orderPlaced(uuidv7(), {
      shipping: { ...expressShipping(), level: 'standard', price: { amount: '4.9999', currency: 'EUR' } },
    });
    t.equal(order.total.amount, '29.9999');
    const { invoice } = await invoiceOf(order);
    t.same(invoice.shipping.price, { amount: '4.9999', currency: 'EUR' });
    t.same(invoice.total, { amount: '29.9999', currency: 'EUR' });
    const pdf = await svc.app.inject({
      method: 'GET',
      url: `/invoices/${invoice.id}/pdf`,
      headers: await auth(uuidv7(), 'admin'),
    });
    t.match(pdfText(pdf.rawPayload), 'Shipping (standard): 4.9999 EUR');
  });

  t.test('an order without a shipping line: no shipping, subtotal = total, none on the PDF', async (t) => {
    const order = orderPlaced(uuidv7());
    const { invoice } = await invoiceOf(order);
    t.notOk('shipping' in invoice);
    t.same(invoice.subtotal, invoice.total);
    const pdf = await svc.app.inject({
      method: 'GET',
      url: `/invoices/${invoice.id}/pdf`,
      headers: await auth(order.userId),
    });
    t.notMatch(pdfText(pdf.rawPayload), /Shipping/);
  });

  t.test('order.lines_changed: the newest revision’s shipping line is invoiced', async (t) => {
    const first = orderPlaced(uuidv7(), { shipping: expressShipping('12.90') });
    const changed = {
      ...first,
      revision: 2,
      lines: [first.lines[0]!],
      shipping: { ...first.shipping!, price: { amount: '9.90', currency: 'EUR' } },
      total: { amount: '30.40', currency: 'EUR' },
    };
    await svc.publish(svc.event('order.placed', first, first.orderId));
    await svc.publish(svc.event('order.lines_changed', changed, first.orderId));
    await eventually(async () => {
      const [row] = await svc.query('select revision from order_view where order_id = $1', [first.orderId]);
      if (row?.revision !== 2) throw new Error('revision 2 not seen yet');
    });
    await svc.publish(svc.event('payment.succeeded', paymentSucceeded(changed, '30.40'), first.orderId));
    const [issued] = await svc.events.waitFor('invoice.issued', first.orderId);
    t.same(issued!.data.total, { amount: '30.40', currency: 'EUR' });
    const [row] = await svc.query('select shipping, total_amount from invoice where order_id = $1', [
      first.orderId,
    ]);
    t.same(row!.shipping, { quoteId: first.shipping!.quoteId, level: 'express', amount: '9.90' });
  });

  t.test(
    'rows that do not add up to the order’s total: no invoice, no number taken (422 by hand)',
    async (t) => {
      const admin = await auth(uuidv7(), 'admin');
      const order = {
        ...orderPlaced(uuidv7(), { shipping: expressShipping('12.90') }),
        total: { amount: '25.00', currency: 'EUR' },
      };
      const placed = svc.event('order.placed', order, order.orderId);
      await svc.publish(placed);
      await eventually(async () => {
        if ((await svc.query('select 1 from inbox where message_id = $1', [placed.id])).length !== 1)
          throw new Error('order not seen yet');
      });
      await svc.query(
        `insert into order_payment (order_id, payment_id, user_id, revision, amount, currency)
       values ($1, $2, $3, 1, 25, 'EUR')`,
        [order.orderId, uuidv7(), order.userId],
      );
      const [before] = await svc.query('select last from invoice_counter');
      const res = await svc.app.inject({
        method: 'POST',
        url: '/invoices',
        headers: admin,
        payload: { orderId: order.orderId },
      });
      t.equal(res.statusCode, 422);
      t.match(res.headers['content-type'], /^application\/problem\+json/);
      t.match(res.json().detail, /37\.90.*25\.00/, 'says what does not add up');
      t.equal((await svc.query('select 1 from invoice where order_id = $1', [order.orderId])).length, 0);
      const [after] = await svc.query('select last from invoice_counter');
      t.same(after, before, 'the number was given back');
    },
  );

  t.test('the OpenAPI document describes the shipping line', async (t) => {
    const doc = (await svc.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const view = doc.paths['/invoices/{id}'].get.responses['200'].content['application/json'].schema;
    t.ok(view.properties.shipping?.description, 'shipping is described');
    t.ok(view.properties.subtotal && view.properties.total.description);
    t.notOk(view.required.includes('shipping'), 'optional');
  });
});
