// Account erasure (user.erased): invoices keep the buyer's data as issued (legal retention); the
// address goes from the read model of orders that are invoiced already or not paid; an order paid
// but not invoiced yet keeps it for its invoice. Other users are untouched.
import { pdfText } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { orderPlaced, paymentSucceeded, startInvoices } from './helpers.ts';

t.test('user.erased: invoices stay as issued, the read model forgets what it no longer needs', async (t) => {
  const svc = await startInvoices(t);
  const alice = uuidv7();
  const bob = uuidv7();
  const inbox = async (id: string) => {
    for (let i = 0; i < 100; i++) {
      const rows = await svc.query('select 1 from inbox where message_id = $1', [id]);
      if (rows.length > 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`message ${id} not handled`);
  };
  const viewAddress = async (orderId: string) =>
    (await svc.query('select billing_address from order_view where order_id = $1', [orderId]))[0]!
      .billing_address;

  // Invoiced.
  const invoicedOrder = orderPlaced(alice);
  await svc.publish(svc.event('order.placed', invoicedOrder, invoicedOrder.orderId));
  await svc.publish(svc.event('payment.succeeded', paymentSucceeded(invoicedOrder), invoicedOrder.orderId));
  const [issued] = await svc.events.waitFor('invoice.issued', invoicedOrder.orderId);
  const invoiceId = issued!.data.invoiceId as string;
  // Not paid (never will be).
  const unpaid = orderPlaced(alice);
  const placedUnpaid = svc.event('order.placed', unpaid, unpaid.orderId);
  await svc.publish(placedUnpaid);
  await inbox(placedUnpaid.id);
  // Paid, but the invoice is not issued yet (as if the capture were being handled right now).
  const paidNotInvoiced = orderPlaced(alice);
  const placedPaid = svc.event('order.placed', paidNotInvoiced, paidNotInvoiced.orderId);
  await svc.publish(placedPaid);
  await inbox(placedPaid.id);
  await svc.query(
    `insert into order_payment (order_id, payment_id, user_id, revision, amount, currency)
     values ($1, $2, $3, 1, 25, 'EUR')`,
    [paidNotInvoiced.orderId, uuidv7(), alice],
  );
  // Someone else's.
  const bobs = orderPlaced(bob);
  const placedBobs = svc.event('order.placed', bobs, bobs.orderId);
  await svc.publish(placedBobs);
  await inbox(placedBobs.id);

  const erased = svc.event('user.erased', {
    userId: alice,
    email: 'alice@example.com',
    erasedAt: new Date().toISOString(),
  });
  await svc.publish(erased);
  await inbox(erased.id);

  const invoice = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${invoiceId}`,
    headers: { authorization: `Bearer ${await svc.token(alice)}` },
  });
  t.equal(invoice.statusCode, 200, 'the invoice still exists');
  t.same(invoice.json().billingAddress, invoicedOrder.shippingAddress, "the buyer's data as issued");
  const pdf = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${invoiceId}/pdf`,
    headers: { authorization: `Bearer ${await svc.token(alice, 'admin')}` },
  });
  t.match(pdfText(pdf.rawPayload), 'Ada Lovelace', 'the PDF still names the buyer');

  t.equal(await viewAddress(invoicedOrder.orderId), null, 'invoiced: the read model copy goes');
  t.equal(await viewAddress(unpaid.orderId), null, 'not paid: no invoice is due, the address goes');
  t.same(
    await viewAddress(paidNotInvoiced.orderId),
    paidNotInvoiced.shippingAddress,
    'paid, invoice due: kept for it',
  );
  t.same(await viewAddress(bobs.orderId), bobs.shippingAddress, "another user's order is untouched");

  // The due invoice is issued with the buyer's address.
  const issuedLater = await svc.app.inject({
    method: 'POST',
    url: '/invoices',
    headers: { authorization: `Bearer ${await svc.token(uuidv7(), 'admin')}` },
    payload: { orderId: paidNotInvoiced.orderId },
  });
  t.equal(issuedLater.statusCode, 201);
  t.same(issuedLater.json().billingAddress, paidNotInvoiced.shippingAddress);

  // Delivered again: nothing more to do (the inbox answers), and a new erasure message finds
  // nothing left but the invoiced order's copy, which is gone already.
  const again = svc.event('user.erased', {
    userId: alice,
    email: 'alice@example.com',
    erasedAt: new Date().toISOString(),
  });
  await svc.publish(again);
  await inbox(again.id);
  t.equal(await viewAddress(paidNotInvoiced.orderId), null, 'once invoiced, the read model copy goes too');
  t.same(
    (
      await svc.app.inject({
        method: 'GET',
        url: `/invoices/${issuedLater.json().id}`,
        headers: { authorization: `Bearer ${await svc.token(alice)}` },
      })
    ).json().billingAddress,
    paidNotInvoiced.shippingAddress,
    'its invoice keeps it',
  );
});
