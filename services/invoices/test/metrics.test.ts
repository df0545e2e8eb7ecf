// invoices_issued_total and credit_notes_issued_total on /metrics after real work: orders paid and a
// return received, over two replicas (their consumers race for the same orders; a transaction that
// loses rolls back and must count nothing): the counts over both equal the documents issued.
import { eventually, metricSample } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { orderPlaced, paymentSucceeded, returnReceived, sleep, startInvoices } from './helpers.ts';

t.test('invoices and credit notes issued, counted once each over two replicas', async (t) => {
  const svc = await startInvoices(t, {}, 2);
  const totals = async (name: string) => {
    let sum = 0;
    for (const app of svc.apps) {
      const res = await app.inject({ url: '/metrics' });
      t.equal(res.statusCode, 200);
      sum += metricSample(res.body, name, { service: 'invoices' }) ?? Number.NaN;
    }
    return sum;
  };
  t.equal(await totals('invoices_issued_total'), 0, 'nothing issued yet');
  t.equal(await totals('credit_notes_issued_total'), 0);

  const orders = [orderPlaced(uuidv7()), orderPlaced(uuidv7()), orderPlaced(uuidv7())];
  for (const order of orders) {
    // Both at once: the order-view and the issue consumers may both try to issue.
    await svc.publish(svc.event('order.placed', order, order.orderId));
    await svc.publish(svc.event('payment.succeeded', paymentSucceeded(order), order.orderId));
  }
  for (const order of orders) await svc.events.waitFor('invoice.issued', order.orderId);

  const ret = returnReceived(orders[0]!);
  const message = svc.event('return.received', ret, ret.orderId);
  await svc.publish(message);
  await svc.publish(message); // redelivered: no second credit note
  await svc.events.waitFor('credit_note.issued', ret.orderId);
  await eventually(async () => {
    const rows = await svc.query('select 1 from inbox where message_id = $1', [message.id]);
    if (rows.length === 0) throw new Error('return not handled yet');
  });
  await sleep(500); // the redelivery, and any consumer retrying a lost race, have finished by now

  const [{ n: invoices }] = await svc.query('select count(*)::int as n from invoice');
  const [{ n: creditNotes }] = await svc.query('select count(*)::int as n from credit_note');
  t.equal(invoices, 3);
  t.equal(creditNotes, 1);
  t.equal(await totals('invoices_issued_total'), 3, 'one count per invoice issued');
  t.equal(await totals('credit_notes_issued_total'), 1, 'one count per credit note issued');
});
