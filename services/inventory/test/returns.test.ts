// return.received (issue 12): the units of a return delivered to a store are on hand there again,
// once per return, and the new level is announced like every change of stock.
import type { ProductStockLevel, ReturnReceived, StockLevelsChanged } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import { eventually } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { NoStoreForReturnError, restockReturn } from '../src/use-cases/restock-return.ts';
import { bearer, bus, createStore, type Harness, orderPlaced, seedStock, setup } from './helpers.ts';

type Bus = Awaited<ReturnType<typeof bus>>;

const rowsOf = (h: Harness, productId: string) =>
  h.sql<{ store_id: string; on_hand: number; reserved: number }>(
    'select store_id, on_hand, reserved from stock where product_id = $1 order by store_id',
    [productId],
  );
const handled = (h: Harness, consumer: string, n: number) =>
  eventually(async () => {
    const [row] = await h.sql<{ n: number }>('select count(*)::int as n from inbox where consumer = $1', [
      consumer,
    ]);
    if (row!.n !== n) throw new Error(`${consumer} handled ${row!.n} of ${n}`);
  });
/** Waits for the product's announced level with the highest version to have `available`. */
const announced = (b: Bus, productId: string, available: number) =>
  eventually(async () => {
    const levels = b.received
      .filter((e) => e.type === 'stock.levels_changed')
      .flatMap((e) =>
        (e as Envelope<StockLevelsChanged>).data.levels.filter((l) => l.productId === productId),
      );
    const top = levels.reduce<ProductStockLevel | undefined>(
      (best, l) => (best && best.version >= l.version ? best : l),
      undefined,
    );
    if (top?.available !== available)
      throw new Error(`latest level ${JSON.stringify(top)}, want ${available}`);
    return top;
  });

/** Places an order for `quantity` of `productId`, and ships it (the hold becomes a deduction). */
async function shippedOrder(h: Harness, b: Bus, productId: string, quantity: number) {
  const placed = orderPlaced([{ productId, quantity }]);
  await b.publish([placed]);
  await eventually(async () => {
    if (b.of('stock.reserved', placed.data.orderId).length === 0) throw new Error('not reserved yet');
  });
  const { orderId, userId } = placed.data;
  await b.publish([
    envelope(
      'order.shipped',
      { orderId, userId, status: 'SHIPPED', previousStatus: 'CONFIRMED' },
      { source: 'orders', correlationId: orderId },
    ),
  ]);
  await eventually(async () => {
    const rows = await h.sql('select 1 from reservation where order_id = $1 and status = $2', [
      orderId,
      'COMMITTED',
    ]);
    if (rows.length !== 1) throw new Error('not committed yet');
  });
  return { orderId, userId };
}

function returnReceived(
  order: { orderId: string; userId: string },
  storeId: string,
  lines: { productId: string; quantity: number }[],
): Envelope<ReturnReceived> {
  const data: ReturnReceived = {
    returnId: uuidv7(),
    orderId: order.orderId,
    userId: order.userId,
    storeId,
    lines: lines.map((l) => ({ ...l, amount: { amount: `${9 * l.quantity}.00`, currency: 'EUR' } })),
    refund: { amount: `${9 * lines.reduce((n, l) => n + l.quantity, 0)}.00`, currency: 'EUR' },
    at: new Date().toISOString(),
  };
  return envelope('return.received', data, { source: 'shipping', correlationId: order.orderId });
}

t.test('return.received puts the units back on hand once, and announces the level', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  const { storeId } = await seedStock(h, p, 10);
  const order = await shippedOrder(h, b, p, 3);
  t.same(await rowsOf(h, p), [{ store_id: storeId, on_hand: 7, reserved: 0 }]);
  await announced(b, p, 7);

  const returned = returnReceived(order, storeId, [{ productId: p, quantity: 2 }]);
  await b.publish([returned]);
  await handled(h, 'inventory.return-stock', 1);
  t.same(await rowsOf(h, p), [{ store_id: storeId, on_hand: 9, reserved: 0 }], 'on hand again, not reserved');
  const level = await announced(b, p, 9);
  t.equal(level.availability, 'in_stock');
  const view = await h.app.inject({ url: `/stocks/${p}`, headers: bearer(h.adminToken) });
  t.match(view.json(), { onHand: 9, reserved: 0, available: 9 }, 'no cached level outlives the return');

  // The same message again, and the same return under a new message id (a redelivery): no effect.
  await b.publish([returned, { ...returned, id: uuidv7() }]);
  await handled(h, 'inventory.return-stock', 2);
  t.same(await rowsOf(h, p), [{ store_id: storeId, on_hand: 9, reserved: 0 }], 'once per return');
  const record = await h.sql<{ return_id: string; store_id: string; product_id: string; quantity: number }>(
    `select r.return_id, l.store_id, l.product_id, l.quantity
       from returned_stock r join returned_stock_line l on l.return_id = r.return_id where r.order_id = $1`,
    [order.orderId],
  );
  t.same(record, [{ return_id: returned.data.returnId, store_id: storeId, product_id: p, quantity: 2 }]);

  // Another return of the order's last unit is another return: it counts.
  await b.publish([returnReceived(order, storeId, [{ productId: p, quantity: 1 }])]);
  await handled(h, 'inventory.return-stock', 3);
  t.same(await rowsOf(h, p), [{ store_id: storeId, on_hand: 10, reserved: 0 }]);
  await announced(b, p, 10);
});

t.test('a return to a store that keeps none of the product gets a stock row there', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  const q = uuidv7();
  const { storeId: shippedFrom } = await seedStock(h, p, 4);
  await seedStock(h, q, 1, { storeId: shippedFrom });
  const other = await createStore(h, { name: 'Returns desk' });
  const order = await shippedOrder(h, b, p, 4);
  await b.publish([
    returnReceived(order, other, [
      { productId: p, quantity: 3 },
      { productId: p, quantity: 1 },
    ]),
  ]);
  await handled(h, 'inventory.return-stock', 1);
  const rows = await rowsOf(h, p);
  t.same(
    rows.find((r) => r.store_id === other),
    { store_id: other, on_hand: 4, reserved: 0 },
    'both lines of the product, in a new row',
  );
  t.same(
    rows.find((r) => r.store_id === shippedFrom),
    { store_id: shippedFrom, on_hand: 0, reserved: 0 },
  );
  await announced(b, p, 4);
  // The store holds goods now: it cannot be deleted with them.
  const del = await h.app.inject({
    method: 'DELETE',
    url: `/stores/${other}`,
    headers: bearer(h.adminToken),
  });
  t.equal(del.statusCode, 409);
  // The new row is an ordinary one: the admin sees it and it sells.
  const view = await h.app.inject({ url: `/stocks/${p}`, headers: bearer(h.adminToken) });
  t.match(view.json(), { onHand: 4, available: 4 });
  const next = orderPlaced([{ productId: p, quantity: 4 }]);
  await b.publish([next]);
  await eventually(async () => {
    if (b.of('stock.reserved', next.data.orderId).length === 0) throw new Error('not reserved yet');
  });
});

t.test("a return to a deleted store goes to the store the order's units came from", async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  const { storeId: shippedFrom } = await seedStock(h, p, 5);
  const gone = await createStore(h, { name: 'Closed' });
  const del = await h.app.inject({ method: 'DELETE', url: `/stores/${gone}`, headers: bearer(h.adminToken) });
  t.equal(del.statusCode, 204);
  const order = await shippedOrder(h, b, p, 2);
  await b.publish([returnReceived(order, gone, [{ productId: p, quantity: 2 }])]);
  await handled(h, 'inventory.return-stock', 1);
  t.same(await rowsOf(h, p), [{ store_id: shippedFrom, on_hand: 5, reserved: 0 }]);
});

t.test('no store to put the units in: the return fails and changes nothing (it is retried)', async (t) => {
  const h = await setup(t, { messaging: false });
  const p = uuidv7();
  const { storeId } = await seedStock(h, p, 5);
  const order = { orderId: uuidv7(), userId: uuidv7() };
  const returned = returnReceived(order, uuidv7(), [{ productId: p, quantity: 1 }]);
  const touched: string[] = [];
  await t.rejects(
    h.app.orm.em.fork().transactional((em) =>
      restockReturn(
        em,
        { returned: returned.data, causationId: returned.id },
        {
          touched: (_em, ids) => {
            touched.push(...ids);
          },
        },
      ),
    ),
    NoStoreForReturnError,
  );
  t.same(await rowsOf(h, p), [{ store_id: storeId, on_hand: 5, reserved: 0 }]);
  t.same(await h.sql('select * from returned_stock'), [], 'not marked: handled once a store is there');
  t.same(touched, []);
});

t.test('a store being deleted and a return into it: never units lost with the store', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  const { storeId: shippedFrom } = await seedStock(h, p, 3);
  const target = await createStore(h, { name: 'Target' });
  const order = await shippedOrder(h, b, p, 2);
  const returned = returnReceived(order, target, [{ productId: p, quantity: 2 }]);
  const [del] = await Promise.all([
    h.app.inject({ method: 'DELETE', url: `/stores/${target}`, headers: bearer(h.adminToken) }),
    b.publish([returned]),
  ]);
  await handled(h, 'inventory.return-stock', 1);
  const rows = await rowsOf(h, p);
  const total = rows.reduce((n, r) => n + r.on_hand, 0);
  t.equal(total, 3, 'the 1 left and the 2 returned, wherever they are');
  if (del.statusCode === 204) t.same(rows, [{ store_id: shippedFrom, on_hand: 3, reserved: 0 }]);
  else t.equal(del.statusCode, 409, 'the store holds the returned units');
});
