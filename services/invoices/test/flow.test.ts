// order.placed / order.lines_changed keep the read model; payment.succeeded issues one invoice.
import { eventually } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { orderPlaced, paymentSucceeded, sleep, startInvoices } from './helpers.ts';

t.test('invoices from events', async (t) => {
  const svc = await startInvoices(t);
  const handled = (id: string, consumer: string) =>
    eventually(async () => {
      const rows = await svc.query('select 1 from inbox where message_id = $1 and consumer = $2', [
        id,
        consumer,
      ]);
      if (rows.length !== 1) throw new Error(`${id} not handled by ${consumer} yet`);
    });

  t.test('order then payment → one invoice with the lines, totals and billing address', async (t) => {
    const userId = uuidv7();
    const order = orderPlaced(userId);
    const placed = svc.event('order.placed', order, order.orderId);
    await svc.publish(placed);
    await handled(placed.id, 'invoices.order-view');
    const payment = svc.event('payment.succeeded', paymentSucceeded(order), order.orderId);
    await svc.publish(payment);
    const [issued] = await svc.events.waitFor('invoice.issued', order.orderId);
    t.match(issued!.data, {
      orderId: order.orderId,
      userId,
      total: { amount: '25.00', currency: 'EUR' },
      number: new RegExp(`^${new Date().getUTCFullYear()}-\\d{6}$`),
    });
    t.equal(issued!.causationId, payment.id);
    const [invoice] = await svc.query('select * from invoice where order_id = $1', [order.orderId]);
    t.same(invoice!.billing_address, order.shippingAddress);
    t.same(
      invoice!.lines.map((l: { quantity: number; lineTotal: string }) => [l.quantity, l.lineTotal]),
      [
        [2, '20.50'],
        [1, '4.50'],
      ],
    );

    // Redelivered, and a second payment.succeeded for the order: still one invoice.
    await svc.publish(payment);
    const second = svc.event('payment.succeeded', paymentSucceeded(order), order.orderId);
    await svc.publish(second);
    await handled(second.id, 'invoices.issue');
    await sleep(200);
    t.equal((await svc.query('select * from invoice where order_id = $1', [order.orderId])).length, 1);
    t.equal(svc.events.of('invoice.issued', order.orderId).length, 1);
  });

  t.test('payment.succeeded before the order is known → retried, then issued once', async (t) => {
    const order = orderPlaced(uuidv7(), { withAddress: false });
    const payment = svc.event('payment.succeeded', paymentSucceeded(order), order.orderId);
    await svc.publish(payment);
    // The first attempt fails (no read model yet) and leaves nothing behind.
    await sleep(100);
    t.equal((await svc.query('select 1 from inbox where message_id = $1', [payment.id])).length, 0);
    t.equal((await svc.query('select 1 from invoice where order_id = $1', [order.orderId])).length, 0);
    await svc.publish(svc.event('order.placed', order, order.orderId));
    const [issued] = await svc.events.waitFor('invoice.issued', order.orderId);
    t.equal(issued!.data.total.amount, '25.00');
    await handled(payment.id, 'invoices.issue');
    t.equal(svc.events.of('invoice.issued', order.orderId).length, 1);
    const [invoice] = await svc.query(
      'select billing_address, billing_address_id from invoice where order_id = $1',
      [order.orderId],
    );
    t.same(invoice, { billing_address: null, billing_address_id: order.shippingAddressId }, 'the address id');
  });

  t.test('a capture already recorded when the order arrives → the order event issues, once', async (t) => {
    // A paid order whose details arrive after its capture was recorded (restored from a backup, say):
    // the order-view consumer issues the invoice itself.
    const order = orderPlaced(uuidv7());
    const paymentId = uuidv7();
    await svc.query(
      `insert into order_payment (order_id, payment_id, user_id, revision, amount, currency) values ($1, $2, $3, 1, 25, 'EUR')`,
      [order.orderId, paymentId, order.userId],
    );
    const placed = svc.event('order.placed', order, order.orderId);
    await svc.publish(placed);
    const [issued] = await svc.events.waitFor('invoice.issued', order.orderId);
    t.equal(issued!.causationId, placed.id);
    t.match(issued!.data, { orderId: order.orderId, total: { amount: '25.00', currency: 'EUR' } });
    const [invoice] = await svc.query('select payment_id, order_revision from invoice where order_id = $1', [
      order.orderId,
    ]);
    t.same(invoice, { payment_id: paymentId, order_revision: 1 });

    // A newer revision of an order that has its invoice: the read model moves on, no second invoice.
    const changed = svc.event(
      'order.lines_changed',
      { ...order, revision: 2, lines: [order.lines[0]!], total: { amount: '20.50', currency: 'EUR' } },
      order.orderId,
    );
    await svc.publish(changed);
    await handled(changed.id, 'invoices.order-view');
    const [view] = await svc.query('select revision from order_view where order_id = $1', [order.orderId]);
    t.equal(view!.revision, 2);
    await sleep(200);
    t.equal((await svc.query('select 1 from invoice where order_id = $1', [order.orderId])).length, 1);
    t.equal(svc.events.of('invoice.issued', order.orderId).length, 1);
  });

  t.test(
    'lines changed: the newest revision is invoiced; an older one arriving late is ignored',
    async (t) => {
      const first = orderPlaced(uuidv7());
      const changed = {
        ...first,
        revision: 2,
        lines: [first.lines[0]!],
        total: { amount: '20.50', currency: 'EUR' },
      };
      await svc.publish(svc.event('order.lines_changed', changed, first.orderId));
      const late = svc.event('order.placed', first, first.orderId);
      await svc.publish(late);
      await handled(late.id, 'invoices.order-view');
      await svc.publish(svc.event('payment.succeeded', paymentSucceeded(changed, '20.50'), first.orderId));
      const [issued] = await svc.events.waitFor('invoice.issued', first.orderId);
      t.equal(issued!.data.total.amount, '20.50');
      const [invoice] = await svc.query('select lines, order_revision from invoice where order_id = $1', [
        first.orderId,
      ]);
      t.equal(invoice!.order_revision, 2);
      t.equal(invoice!.lines.length, 1);
    },
  );
});
