// The statements one order's shipping life sends to PostgreSQL (issue 14: round trips are the main CPU
// cost of an order). Drives an order as production does — stock.reserved and order.confirmed over the
// broker, the booking worker with the carrier, then the carrier's webhooks picked_up → in_transit →
// out_for_delivery → delivered — and counts what pg's clients send, below @mercato/db's deferred
// `begin` (a `begin` queued on its own is counted, one folded into `begin;<statement>` is not).
// Prints the count per step; fails when a round trip comes back.

import { eventually, querySchema, recordServiceStatements, statementSteps } from '@mercato/testing';
import t from 'tap';
import { setup, uuidv7 } from './shipment-helpers.ts';

// Patched before the app's pools exist. The service's ORM connects with its schema on the
// search_path; the outbox relay (libs/messaging) has a pool of its own; the rest is this test looking.
let serviceSchema = '';
const statements = recordServiceStatements(
  (fn) => t.teardown(fn),
  () => serviceSchema,
);

// The periodic sweep of old signatures and Idempotency-Keys is no part of an order.
const background = (sql: string) => /expires_at < now\(\)|return_idempotency_key/.test(sql);
// The booking worker's lease runs as soon as order.confirmed commits: it belongs to the booking step.
const isLease = (sql: string) => sql.includes('booking_tries = booking_tries + 1');

/**
 * Upper bound of the statements shipping's own code sends per one-parcel order (the relay's are
 * libs/messaging's and counted apart): 49 before issue 14's cut (stock.reserved 5, order.confirmed 7,
 * booking 5, webhooks 9 + 7 + 7 + 9), 26 after (3, 4, 3, 4 × 4).
 */
const MAX_PER_ORDER = 26;
/**
 * The relay's statements for the order's four events (a claim + mark per batch, and a look first when
 * the wake was not a commit of this process; 7 before the relay skipped that look, 6 now).
 * An outbox row written by a lone statement outside a transaction has the relay look again for a
 * second instead of being woken by the commit: 19 when the booking was written so.
 */
const MAX_RELAY = 8;

t.test('statements per confirmed order, step by step', async (t) => {
  // The worker books on the commit's wake only: no poll inside the measured steps.
  const s = await setup(t, { BOOKING_POLL_INTERVAL_MS: 3_600_000 });
  serviceSchema = s.schema;
  const [p1, p2] = [uuidv7(), uuidv7()];
  const product = (productId: string, weightGrams: number) =>
    s.app.orm.em.fork().execute(
      `insert into "${s.schema}".product (product_id, name, amount, currency, active, deleted, weight_grams, version)
       values (?, 'p', 10, 'EUR', true, false, ?, 1)`,
      [productId, weightGrams],
    );
  await product(p1, 300);
  await product(p2, 1200);
  const store = s.store('A');
  const o = s.order({
    lines: [
      { productId: p1, quantity: 2 },
      { productId: p2, quantity: 1 },
    ],
    allocations: [
      { store, productId: p1, quantity: 2 },
      { store, productId: p2, quantity: 1 },
    ],
  });

  // The carrier answers when the test lets it, so the booking is a step of its own.
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let asked = false;
  const book = s.carrier.carrier.book.bind(s.carrier.carrier);
  s.carrier.carrier.book = async (parcel) => {
    asked = true;
    await gate;
    return book(parcel);
  };

  await statements.quiet(400);
  const { steps, step, summary } = statementSteps(statements, { ignore: (x) => background(x.sql) });

  await step('stock.reserved', async () => {
    const e = o.stockReserved();
    await s.publish(e);
    await s.handled(e);
  });
  await step('order.confirmed', async () => {
    const e = o.orderConfirmed();
    await s.publish(e);
    await s.handled(e);
    while (!asked) await new Promise((r) => setTimeout(r, 10));
  });
  let trackingNumber = '';
  await step('booking', async () => {
    release();
    // Looked at over a connection of its own: not one of the service's statements.
    const [row] = await eventually(async () => {
      const rows = await querySchema(s.schema, 'select tracking_number from shipment where order_id = $1', [
        o.orderId,
      ]);
      if (!rows[0]?.tracking_number) throw new Error('not booked yet');
      return rows;
    });
    trackingNumber = row.tracking_number;
  });
  // The lease ran in the previous step (the commit woke the worker): counted with the booking.
  const leases = steps[1]!.statements.filter((x) => isLease(x.sql));
  steps[1]!.statements = steps[1]!.statements.filter((x) => !isLease(x.sql));
  steps[2]!.statements.unshift(...leases);

  const minutes = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
  for (const [status, ago] of [
    ['picked_up', 40],
    ['in_transit', 30],
    ['out_for_delivery', 20],
    ['delivered', 10],
  ] as const) {
    await step(`webhook ${status}`, async () => {
      const { res } = await s.webhook({ trackingNumber, status, occurredAt: minutes(ago) });
      t.equal(res.statusCode, 200, `${status} accepted`);
    });
  }

  const { service: total, relay: relayed, table } = summary();
  t.comment(`statements per one-parcel order: shipping ${total}, its outbox relay ${relayed}\n${table}`);

  // What the order did: the effects these statements are for.
  const shipped = await s.outbox('shipment.shipped', o.orderId);
  const delivered = await s.outbox('shipment.delivered', o.orderId);
  t.equal((await s.outbox('shipment.created', o.orderId)).length, 1, 'shipment.created once');
  t.same(
    shipped.map((e) => e.data.orderShipped),
    [true],
    'shipment.shipped once, the order shipped',
  );
  t.same(
    delivered.map((e) => e.data.orderDelivered),
    [true],
    'shipment.delivered once, the order delivered',
  );
  const [shipment] = await s.sql(
    `select status, weight_grams from "${s.schema}".shipment where order_id = ?`,
    [o.orderId],
  );
  t.match(shipment, { status: 'delivered', weight_grams: 1800 });

  t.ok(
    total <= MAX_PER_ORDER,
    `shipping sends at most ${MAX_PER_ORDER} statements per order (sent ${total})`,
  );
  t.ok(relayed <= MAX_RELAY, `its relay at most ${MAX_RELAY} (sent ${relayed})`);
});
