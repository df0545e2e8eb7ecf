// The statements one paid order sends from invoices to PostgreSQL (issue 14: round trips are the main
// CPU cost of an order). Drives an order as production does — order.placed (the read model), then
// payment.succeeded (the invoice issued) over the broker, then the invoice PDF fetched with the
// e-mail's download token (as notifications does for the invoice mail) — and counts what pg's clients
// send, below @mercato/db's deferred `begin` (a `begin` queued on its own is counted, one folded into
// `begin;<statement>` is not). Prints the count per step (SHOW_STATEMENTS=1: the SQL too); fails when
// a round trip comes back.
import type { Envelope } from '@mercato/messaging';
import { eventually, querySchema, recordServiceStatements, statementSteps } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { orderPlaced, paymentSucceeded, startInvoices } from './helpers.ts';

// Patched before the app's pools exist. The service's ORM connects with its schema on the
// search_path; the outbox relay (libs/messaging) has a pool of its own; the rest is this test looking.
let serviceSchema = '';
const statements = recordServiceStatements(
  (fn) => t.teardown(fn),
  () => serviceSchema,
);

/**
 * Upper bound of the statements invoices' own code sends per paid order (the relay's are
 * libs/messaging's and counted apart). Before issue 14's cut here: 10 — order.placed 3 (the inbox
 * claim carrying `begin`, the read model's upsert, `commit`), payment.succeeded 6 (the claim, the
 * capture, the issue state read with the order's lock, the invoice number, the invoice with its
 * outbox row, `commit`), the PDF 1. After: 8 — payment.succeeded 4, the capture and the number taken
 * by the statement that reads the issue state.
 */
const MAX_PER_ORDER = 8;
/** The relay's statements for the order's one event, invoice.issued: the claim and the mark (a look first before the relay knew rows committed here need none), one of slack. */
const MAX_RELAY = 3;

t.test('statements per paid order, step by step', async (t) => {
  const s = await startInvoices(t);
  serviceSchema = s.schema;
  const userId = uuidv7();
  const order = orderPlaced(userId, {
    shipping: { quoteId: uuidv7(), level: 'standard', price: { amount: '4.90', currency: 'EUR' } },
  });

  /** Waits until `consumer` has committed `event` (its inbox row), looking over a connection of its own. */
  const handled = (event: Envelope, consumer: string) =>
    eventually(async () => {
      const rows = await querySchema(
        s.schema,
        'select 1 from inbox where message_id = $1 and consumer = $2',
        [event.id, consumer],
      );
      if (rows.length === 0) throw new Error(`${event.type} not handled yet`);
    });

  await statements.quiet(400);
  const { step, summary } = statementSteps(statements);

  await step('order.placed', async () => {
    const e = s.event('order.placed', order, order.orderId);
    await s.publish(e);
    await handled(e, 'invoices.order-view');
  });
  const payment = s.event('payment.succeeded', paymentSucceeded(order, '29.90'), order.orderId);
  await step('payment.succeeded', async () => {
    await s.publish(payment);
    await handled(payment, 'invoices.issue');
    await s.events.waitFor('invoice.issued', order.orderId);
  });
  const [issued] = s.events.of('invoice.issued', order.orderId);
  const { invoiceId, downloadToken } = issued!.data as { invoiceId: string; downloadToken: string };
  await step('invoice PDF (download token)', async () => {
    const res = await s.app.inject({
      method: 'GET',
      url: `/invoices/${invoiceId}/pdf?token=${encodeURIComponent(downloadToken)}`,
    });
    t.equal(res.statusCode, 200, 'the PDF');
    t.equal(res.headers['content-type'], 'application/pdf');
  });

  const { service: total, relay: relayed, table } = summary();
  t.comment(`statements per paid order: invoices ${total}, its outbox relay ${relayed}\n${table}`);

  // What the order did: the effects these statements are for.
  t.equal(s.events.of('invoice.issued', order.orderId).length, 1, 'invoice.issued once');
  t.match(issued!.data, {
    orderId: order.orderId,
    userId,
    total: { amount: '29.90', currency: 'EUR' },
    number: new RegExp(`^${new Date().getUTCFullYear()}-000001$`),
  });
  t.equal(issued!.causationId, payment.id);
  const [invoice] = await s.query('select number, payment_id, shipping from invoice where order_id = $1', [
    order.orderId,
  ]);
  t.match(invoice, { number: 1, payment_id: payment.data.paymentId, shipping: { level: 'standard' } });
  const [capture] = await s.query('select payment_id from order_payment where order_id = $1', [
    order.orderId,
  ]);
  t.equal(capture?.payment_id, payment.data.paymentId, 'the capture recorded');

  t.ok(
    total <= MAX_PER_ORDER,
    `invoices sends at most ${MAX_PER_ORDER} statements per paid order (sent ${total})`,
  );
  t.ok(relayed <= MAX_RELAY, `its relay at most ${MAX_RELAY} (sent ${relayed})`);
});
