// Stock hoarding (issue 9): the hold of an order whose payment was declined yields when another order
// needs the stock; a retry in progress keeps it; news arriving out of order changes nothing.
import type { StockRejected, StockReleased, StockReserved } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import { eventually } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { pickDeclinedHolds } from '../src/use-cases/reclaim-declined-holds.ts';
import { bus, type Harness, orderPlaced, seedStock, setup } from './helpers.ts';

const paymentNews = (
  type: 'payment.failed' | 'payment.retry_started',
  placed: Envelope<{ orderId: string; userId: string; revision: number }>,
  occurredAt: Date,
) => {
  const { orderId, userId, revision } = placed.data;
  const data =
    type === 'payment.failed'
      ? {
          paymentId: uuidv7(),
          orderId,
          userId,
          revision,
          amount: { amount: '19.98', currency: 'EUR' },
          reason: 'card_declined',
        }
      : { paymentId: uuidv7(), orderId, userId, revision, attempt: 2 };
  return {
    ...envelope(type, data, { source: 'payments', correlationId: orderId }),
    occurredAt: occurredAt.toISOString(),
  };
};

const declined = async (h: Harness, orderId: string) => {
  const rows = await h.sql<{ declined: boolean }>(
    `select declined_at is not null as declined from reservation where order_id = $1 and status = 'HELD'`,
    [orderId],
  );
  return rows[0]?.declined;
};
const reserved = async (h: Harness, productId: string) =>
  (await h.sql<{ reserved: number }>('select reserved from stock where product_id = $1', [productId]))[0]!
    .reserved;
const one = <T>(b: Awaited<ReturnType<typeof bus>>, type: string, orderId: string) =>
  eventually(async () => {
    const found = b.of<T>(type, orderId);
    if (found.length === 0) throw new Error(`no ${type} for ${orderId} yet`);
    return found[0]!;
  });

t.test('a declined hold is reclaimed by an order that needs the stock, whole', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const product = uuidv7();
  const other = uuidv7();
  await seedStock(h, product, 3);
  await seedStock(h, other, 5);
  const hoard = orderPlaced([
    { productId: product, quantity: 3 },
    { productId: other, quantity: 2 },
  ]);
  await b.publish([hoard]);
  await one<StockReserved>(b, 'stock.reserved', hoard.data.orderId);
  await b.publish([paymentNews('payment.failed', hoard, new Date())]);
  await eventually(async () => {
    if ((await declined(h, hoard.data.orderId)) !== true) throw new Error('not marked yet');
  });

  const buyer = orderPlaced([{ productId: product, quantity: 1 }]);
  await b.publish([buyer]);
  await one<StockReserved>(b, 'stock.reserved', buyer.data.orderId);
  const rejected = await one<StockRejected>(b, 'stock.rejected', hoard.data.orderId);
  t.same(
    rejected.data.shortLines.map((l) => [l.productId, l.requested]).sort(),
    [
      [product, 3],
      [other, 2],
    ].sort(),
    'the declined order is told it lost every line',
  );
  const released = await one<StockReleased>(b, 'stock.released', hoard.data.orderId);
  t.equal(released.data.reason, 'reclaimed_after_declined_payment');
  t.equal(await reserved(h, product), 1, "only the buyer's unit is held");
  t.equal(await reserved(h, other), 0, "the declined order's other line went back too");
});

t.test('a retry keeps the hold; news older than the last changes nothing', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const product = uuidv7();
  await seedStock(h, product, 2);
  const order = orderPlaced([{ productId: product, quantity: 2 }]);
  await b.publish([order]);
  await one<StockReserved>(b, 'stock.reserved', order.data.orderId);
  const t0 = Date.now();
  // The retry's start is handled first, the earlier decline after it: the hold stays protected.
  await b.publish([paymentNews('payment.retry_started', order, new Date(t0 + 1000))]);
  await eventually(async () => {
    if ((await declined(h, order.data.orderId)) !== false) throw new Error('retry not recorded yet');
  });
  await b.publish([paymentNews('payment.failed', order, new Date(t0))]);
  const buyer = orderPlaced([{ productId: product, quantity: 1 }]);
  await eventually(async () => {
    const [row] = await h.sql<{ n: number }>(
      "select count(*)::int as n from inbox where consumer = 'inventory.payment-holds'",
    );
    if (row!.n !== 2) throw new Error('the late decline not handled yet');
  });
  t.equal(await declined(h, order.data.orderId), false, 'the late decline did not mark it');
  await b.publish([buyer]);
  const rejected = await one<StockRejected>(b, 'stock.rejected', buyer.data.orderId);
  t.match(rejected.data.shortLines, [{ productId: product, requested: 1, available: 0 }]);
  t.equal(b.of('stock.rejected', order.data.orderId).length, 0, 'the hold under retry was not reclaimed');
  t.equal(await reserved(h, product), 2);
});

t.test('holds are picked oldest decline first, and only if together they cover the shortfall', async (t) => {
  const hold = (orderId: string, productId: string, quantity: number) => ({
    reservationId: uuidv7(),
    orderId,
    revision: 1,
    userId: uuidv7(),
    lines: [{ reservationId: '', revision: 1, stockId: uuidv7(), productId, quantity }],
  });
  const p = uuidv7();
  const a = hold('a', p, 2);
  const b = hold('b', p, 2);
  const c = hold('c', p, 2);
  t.same(
    pickDeclinedHolds([{ productId: p, requested: 3, available: 0 }], [a, b, c]).map((h) => h.orderId),
    ['a', 'b'],
  );
  t.same(
    pickDeclinedHolds([{ productId: p, requested: 7, available: 0 }], [a, b, c]),
    [],
    'not enough: none',
  );
  t.same(
    pickDeclinedHolds([{ productId: p, requested: 1, available: 0 }], [hold('x', uuidv7(), 5), b]).map(
      (h) => h.orderId,
    ),
    ['b'],
    'a hold of other products is left alone',
  );
});
