// The hot path under contention: two inventory replicas race 200 one-unit orders for 50 units of one
// product. Optimistic locking must let exactly 50 through, and never let availability go below zero.
import { eventually } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { bus, orderPlaced, seedStock, setup } from './helpers.ts';

const ORDERS = 200;
const STOCK = 50;

t.test('200 concurrent orders for 50 units, two consumers: exactly 50 reserved, 150 rejected', async (t) => {
  const h = await setup(t);
  await h.replica();
  const b = await bus(t, h.exchange);
  const product = uuidv7();
  await seedStock(h, product, STOCK);

  // Watch the row while the race runs: availability must never be seen below zero.
  let lowestAvailable = STOCK;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const [row] = await h.sql<{ available: number }>(
        'select on_hand - reserved as available from stock where product_id = $1',
        [product],
      );
      lowestAvailable = Math.min(lowestAvailable, row!.available);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  const orders = Array.from({ length: ORDERS }, () => orderPlaced([{ productId: product, quantity: 1 }]));
  const started = Date.now();
  await b.publish(orders);
  await eventually(
    async () => {
      const answered = b.of('stock.reserved').length + b.of('stock.rejected').length;
      if (answered < ORDERS) throw new Error(`${answered} of ${ORDERS} answered`);
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  const seconds = (Date.now() - started) / 1000;
  watching = false;
  await watcher;
  t.comment(
    `${ORDERS} orders answered in ${seconds.toFixed(2)} s (${(ORDERS / seconds).toFixed(0)} orders/s)`,
  );

  const [span] = await h.sql<{ first: Date; last: Date }>(
    'select min(created_at) as first, max(created_at) as last from reservation',
  );
  t.comment(
    `reservations written from +${span!.first.getTime() - started} ms to +${span!.last.getTime() - started} ms`,
  );
  const reserved = b.of<{ orderId: string }>('stock.reserved');
  const rejected = b.of<{ orderId: string; shortLines: { available: number }[] }>('stock.rejected');
  t.equal(reserved.length, STOCK, 'exactly the stock is reserved');
  t.equal(rejected.length, ORDERS - STOCK, 'every other order is rejected');
  const answeredOrders = new Set([...reserved, ...rejected].map((e) => e.data.orderId));
  t.equal(answeredOrders.size, ORDERS, 'each order answered exactly once');
  t.ok(
    rejected.every((e) => e.data.shortLines[0]!.available === 0),
    'rejections were decided on an empty shelf',
  );
  t.ok(lowestAvailable >= 0, `availability never below zero (lowest seen ${lowestAvailable})`);
  t.same(await h.sql('select on_hand, reserved from stock where product_id = $1', [product]), [
    { on_hand: STOCK, reserved: STOCK },
  ]);
  t.same(
    await h.sql(
      'select status, count(*)::int as n, coalesce(sum(l.quantity), 0)::int as units from reservation r left join reservation_line l on l.reservation_id = r.id group by status order by status',
    ),
    [
      { status: 'HELD', n: STOCK, units: STOCK },
      { status: 'REJECTED', n: ORDERS - STOCK, units: 0 },
    ],
  );
});

t.test('the database refuses a reservation beyond what is on hand, whatever the code does', async (t) => {
  const h = await setup(t, { messaging: false });
  const product = uuidv7();
  const { stockId } = await seedStock(h, product, 2);
  await t.rejects(
    h.sql('update stock set reserved = 3 where id = $1', [stockId]),
    /stock_reserved_within_on_hand/,
  );
  await t.rejects(
    h.sql('update stock set reserved = -1 where id = $1', [stockId]),
    /stock_reserved_not_negative/,
  );
  t.same(await h.sql('select reserved from stock where id = $1', [stockId]), [{ reserved: 0 }]);
});

t.test('two-line orders race for two products, two consumers: all lines or none, no oversell', async (t) => {
  // Every write locks and checks two product levels (stock-ledger.ts): a partial match must bump none.
  const h = await setup(t);
  await h.replica();
  const b = await bus(t, h.exchange);
  const [p1, p2] = [uuidv7(), uuidv7()];
  const { storeId } = await seedStock(h, p1, 15);
  await seedStock(h, p1, 15);
  await seedStock(h, p2, 25, { storeId });
  const orders = Array.from({ length: 100 }, (_, i) =>
    orderPlaced(
      // Both orders of the lines, so writers meet the products from either side.
      i % 2 === 0
        ? [
            { productId: p1, quantity: 1 },
            { productId: p2, quantity: 1 },
          ]
        : [
            { productId: p2, quantity: 1 },
            { productId: p1, quantity: 1 },
          ],
    ),
  );
  await b.publish(orders);
  await eventually(
    async () => {
      const answered = b.of('stock.reserved').length + b.of('stock.rejected').length;
      if (answered < orders.length) throw new Error(`${answered} of ${orders.length} answered`);
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  t.equal(b.of('stock.reserved').length, 25, 'as many orders as the scarcer product allows');
  t.equal(b.of('stock.rejected').length, 75);
  t.same(
    await h.sql(
      'select product_id, sum(on_hand)::int as on_hand, sum(reserved)::int as reserved from stock group by product_id order by product_id',
    ),
    [
      { product_id: p1, on_hand: 30, reserved: 25 },
      { product_id: p2, on_hand: 25, reserved: 25 },
    ].sort((a, b) => a.product_id.localeCompare(b.product_id)),
    'the stock rows hold exactly what the reservations hold',
  );
  const [lines] = await h.sql<{ units: number }>(
    `select coalesce(sum(l.quantity), 0)::int as units
       from reservation r join reservation_line l on l.reservation_id = r.id where r.status = 'HELD'`,
  );
  t.equal(lines!.units, 50, 'two units held per reserved order');
});
