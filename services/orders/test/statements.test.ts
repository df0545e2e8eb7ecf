// The statements one order's life sends from orders to PostgreSQL (issue 14: round trips are the main
// CPU cost of an order). Drives an order as production does — POST /orders with an Idempotency-Key (as
// cart's checkout places it), then payment.succeeded, shipment.shipped and shipment.delivered over the
// broker (orders consumes no stock.reserved: payments answers it) — and counts what pg's clients send,
// below @mercato/db's deferred `begin` (a `begin` queued on its own is counted, one folded into
// `begin;<statement>` is not). Prints the count per step (SHOW_STATEMENTS=1: the SQL too); fails when a
// round trip comes back.
import type { ShipmentDelivered, ShipmentShipped } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import { eventually, querySchema, recordServiceStatements, statementSteps } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { paymentSucceeded, setup } from './helpers.ts';

// Patched before the app's pools exist. The service's ORM connects with its schema on the
// search_path; the outbox relay (libs/messaging) has a pool of its own; the rest is this test looking.
let serviceSchema = '';
const statements = recordServiceStatements(
  (fn) => t.teardown(fn),
  () => serviceSchema,
);
type Sent = (typeof statements.sent)[number];

// The periodic sweep (expired orders and old Idempotency-Keys, both SKIP LOCKED) and the metrics'
// gauge of the PENDING backlog are no part of an order.
const background = (x: Sent) => x.by === 'service' && /skip locked|count\(\*\)::int as count/i.test(x.sql);

/**
 * Upper bound of the statements orders' own code sends per order (the relay's are libs/messaging's
 * and counted apart): 19 before issue 14's cut here, 12 after.
 *
 *   step                 before  after
 *   POST /orders            3      2   the Idempotency-Key's lookup joined the read of prices and address
 *   payment.succeeded       4      4   inbox claim (with `begin`), confirmation, order.confirmed, `commit`
 *   shipment.shipped        6      3   the lock, the history and outbox INSERTs and the UPDATE are one
 *   shipment.delivered      6      3   statement, between the inbox claim and `commit`
 */
const MAX_PER_ORDER = 12;
/**
 * The relay's statements for the order's four events: a claim and a mark per event, and 3–4 looks
 * (by timing) while the placement's autocommit statement runs: 11–12 here, before and after. A
 * placement without `outboxStatementDone` would cost it 13–15 alone.
 */
const MAX_RELAY = 14;

t.test('statements per delivered order, step by step', async (t) => {
  // No sweep inside the measured steps.
  const s = await setup(t, { ORDER_SWEEP_INTERVAL_MS: 3_600_000 });
  serviceSchema = s.schema;
  const book = await s.seedProduct({ price: { amount: '12.50', currency: 'EUR' } });
  const pen = await s.seedProduct({ price: { amount: '0.80', currency: 'EUR' } });

  /** Waits until the service has committed `event` (its inbox row), looking over a connection of its own. */
  const handled = (event: Envelope) =>
    eventually(async () => {
      const rows = await querySchema(s.schema, 'select 1 from inbox where message_id = $1', [event.id]);
      if (rows.length === 0) throw new Error(`${event.type} not handled yet`);
    });

  await statements.quiet(400);
  const { step, summary } = statementSteps(statements, { ignore: background });
  const consumed = (name: string, event: Envelope) =>
    step(name, async () => {
      await s.publish(event);
      await handled(event);
    });

  let order: any;
  await step('POST /orders', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/orders',
      headers: { ...s.bearer(s.customer.token), 'idempotency-key': uuidv7() },
      payload: {
        lines: [
          { productId: book.productId, quantity: 2 },
          { productId: pen.productId, quantity: 3 },
        ],
        shippingAddressId: uuidv7(),
        paymentMethod: { type: 'card', token: 'tok_visa' },
      },
    });
    t.equal(res.statusCode, 201, res.statusCode === 201 ? 'placed' : res.body);
    order = res.json();
  });

  const meta = { correlationId: order.id };
  await consumed('payment.succeeded', paymentSucceeded(order));
  const parcel = {
    shipmentId: uuidv7(),
    orderId: order.id,
    userId: order.userId,
    storeId: uuidv7(),
    carrier: 'fake',
    trackingNumber: 'FC0123456789',
    lines: order.lines.map((l: any) => ({ productId: l.productId, quantity: l.quantity })),
  };
  await consumed(
    'shipment.shipped',
    envelope<ShipmentShipped>(
      'shipment.shipped',
      { ...parcel, orderShipped: true, at: new Date().toISOString() },
      { source: 'shipping', ...meta },
    ),
  );
  await consumed(
    'shipment.delivered',
    envelope<ShipmentDelivered>(
      'shipment.delivered',
      { ...parcel, orderDelivered: true, at: new Date().toISOString() },
      { source: 'shipping', ...meta },
    ),
  );

  const { service: total, relay: relayed, table } = summary();
  t.comment(`statements per delivered order: orders ${total}, its outbox relay ${relayed}\n${table}`);

  // What the order did: the effects these statements are for.
  const history = await querySchema(
    s.schema,
    'select from_status, to_status, cause from order_status_history where order_id = $1 order by at, id',
    [order.id],
  );
  t.same(
    history.map((h) => [h.from_status, h.to_status, h.cause]),
    [
      [null, 'PENDING', 'placed'],
      ['PENDING', 'CONFIRMED', 'payment.succeeded'],
      ['CONFIRMED', 'SHIPPED', 'shipment.shipped'],
      ['SHIPPED', 'DELIVERED', 'shipment.delivered'],
    ],
    'every transition recorded with its cause',
  );
  const [row] = await querySchema(s.schema, 'select status, version from orders where id = $1', [order.id]);
  t.match(row, { status: 'DELIVERED', version: order.version + 3 }, 'one version per change');
  const events = await eventually(async () => {
    const found = ['order.placed', 'order.confirmed', 'order.shipped', 'order.delivered'].map(
      (type) => s.events.of(type, order.id).length,
    );
    if (found.some((n) => n === 0)) throw new Error(`not all published yet: ${found}`);
    return found;
  });
  t.same(events, [1, 1, 1, 1], 'each event of the order published once');

  t.ok(total <= MAX_PER_ORDER, `orders sends at most ${MAX_PER_ORDER} statements per order (sent ${total})`);
  t.ok(relayed <= MAX_RELAY, `its relay at most ${MAX_RELAY} (sent ${relayed})`);
});
