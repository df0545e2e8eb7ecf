// Invoice numbers stay gapless and unique when 100 payments succeed at once, on two replicas.
import { eventually } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { orderPlaced, paymentSucceeded, startInvoices } from './helpers.ts';

t.test('100 payments at once → invoice numbers 1..100, no gap, no duplicate', async (t) => {
  const svc = await startInvoices(t, {}, 2);
  const orders = Array.from({ length: 100 }, () => orderPlaced(uuidv7()));
  await Promise.all(orders.map((o) => svc.publish(svc.event('order.placed', o, o.orderId))));
  await eventually(
    async () => {
      const [row] = await svc.query('select count(*) as n from order_view');
      if (Number(row!.n) !== 100) throw new Error(`${row!.n} orders known`);
    },
    { timeoutMs: 30_000 },
  );
  await Promise.all(
    orders.map((o) => svc.publish(svc.event('payment.succeeded', paymentSucceeded(o), o.orderId))),
  );
  const issued = await svc.events.waitFor('invoice.issued', undefined, 100);

  const rows = await svc.query('select year, number, order_id from invoice order by number');
  t.equal(rows.length, 100);
  t.same(
    rows.map((r) => r.number),
    Array.from({ length: 100 }, (_, i) => i + 1),
    'numbers 1..100',
  );
  t.equal(new Set(rows.map((r) => r.order_id)).size, 100, 'one invoice per order');
  const year = new Date().getUTCFullYear();
  t.same(
    issued.map((e) => e.data.number).sort(),
    Array.from({ length: 100 }, (_, i) => `${year}-${String(i + 1).padStart(6, '0')}`),
    'the events carry the same numbers',
  );
  const [counter] = await svc.query('select last from invoice_counter where year = $1', [year]);
  t.equal(counter!.last, 100);
});
