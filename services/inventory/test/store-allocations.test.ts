// stock.reserved names where the held units are (issue 12): shipping sends one parcel per store,
// from the store's address. And the hold of an order split over stores is committed once.
import type { AllocatedStore, StockReserved, StoreAllocation } from '@mercato/contracts';
import { validateEvent } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import { eventually, uniqueName } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { bus, createStore, type Harness, orderPlaced, seedStock, setup } from './helpers.ts';

type Bus = Awaited<ReturnType<typeof bus>>;

const reservedFor = (b: Bus, orderId: string) =>
  eventually(async () => {
    const [found] = b.of<StockReserved>('stock.reserved', orderId);
    if (!found) throw new Error(`no stock.reserved for ${orderId} yet`);
    return found;
  });
const byStoreAndProduct = (a: StoreAllocation, b: StoreAllocation) =>
  a.storeId.localeCompare(b.storeId) || a.productId.localeCompare(b.productId);
const byStore = (a: AllocatedStore, b: AllocatedStore) => a.storeId.localeCompare(b.storeId);
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

t.test('an order served by one store: its lines allocated there, the store named once', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const code = uniqueName('BER');
  const store = await createStore(h, { code, name: 'Berlin', address: 'Lagerstraße 1, 10115 Berlin, DE' });
  const p1 = uuidv7();
  const p2 = uuidv7();
  await seedStock(h, p1, 5, { storeId: store });
  await seedStock(h, p2, 5, { storeId: store });
  const placed = orderPlaced([
    { productId: p1, quantity: 2 },
    { productId: p2, quantity: 1 },
    { productId: p1, quantity: 1 },
  ]);
  await b.publish([placed]);

  const reserved = await reservedFor(b, placed.data.orderId);
  t.same(validateEvent('stock.reserved', 1, reserved.data), { ok: true });
  t.same(
    [...reserved.data.allocations!].sort(byStoreAndProduct),
    [
      { storeId: store, productId: p1, quantity: 3 },
      { storeId: store, productId: p2, quantity: 1 },
    ].sort(byStoreAndProduct),
    'one entry per store and product, the lines of one product summed',
  );
  t.same(reserved.data.stores, [
    { storeId: store, code, name: 'Berlin', address: 'Lagerstraße 1, 10115 Berlin, DE' },
  ]);
});

t.test('an order split over two stores: allocations per store, each store once', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const berlin = { code: uniqueName('BER'), name: 'Berlin', address: 'Lagerstraße 1, 10115 Berlin, DE' };
  const hamburg = { code: uniqueName('HAM'), name: 'Hamburg' };
  const a = await createStore(h, berlin);
  const c = await createStore(h, hamburg);
  const p1 = uuidv7();
  const p2 = uuidv7();
  // p1: neither store holds 6 alone, so it is split; p2 comes from the one store that has it.
  await seedStock(h, p1, 3, { storeId: a });
  await seedStock(h, p1, 4, { storeId: c });
  await seedStock(h, p2, 5, { storeId: a });
  const placed = orderPlaced([
    { productId: p1, quantity: 6 },
    { productId: p2, quantity: 2 },
  ]);
  await b.publish([placed]);

  const reserved = await reservedFor(b, placed.data.orderId);
  t.same(validateEvent('stock.reserved', 1, reserved.data), { ok: true });
  t.same(
    [...reserved.data.allocations!].sort(byStoreAndProduct),
    [
      { storeId: a, productId: p1, quantity: 2 },
      { storeId: c, productId: p1, quantity: 4 },
      { storeId: a, productId: p2, quantity: 2 },
    ].sort(byStoreAndProduct),
  );
  t.same(
    [...reserved.data.stores!].sort(byStore),
    [
      { storeId: a, ...berlin },
      { storeId: c, ...hamburg },
    ].sort(byStore),
    'each store once; no address when the store has none',
  );
  // The allocations are what is actually held.
  const held = await h.sql<{ store_id: string; product_id: string; quantity: number }>(
    `select l.store_id, l.product_id, l.quantity from reservation r
       join reservation_line l on l.reservation_id = r.id where r.order_id = $1`,
    [placed.data.orderId],
  );
  t.same(
    held
      .map((l) => ({ storeId: l.store_id, productId: l.product_id, quantity: l.quantity }))
      .sort(byStoreAndProduct),
    [...reserved.data.allocations!].sort(byStoreAndProduct),
  );

  // order.shipped comes once per order (when its last parcel is picked up): the whole hold, in
  // both stores, becomes a deduction; a copy of it under a new message id changes nothing.
  const shipped = envelope(
    'order.shipped',
    {
      orderId: placed.data.orderId,
      userId: placed.data.userId,
      status: 'SHIPPED',
      previousStatus: 'CONFIRMED',
    },
    { source: 'orders', correlationId: placed.data.orderId },
  );
  await b.publish([shipped]);
  await handled(h, 'inventory.commit-stock', 1);
  const expected1 = [
    { store_id: a, on_hand: 1, reserved: 0 },
    { store_id: c, on_hand: 0, reserved: 0 },
  ].sort((x, y) => x.store_id.localeCompare(y.store_id));
  t.same(await rowsOf(h, p1), expected1);
  t.same(await rowsOf(h, p2), [{ store_id: a, on_hand: 3, reserved: 0 }]);
  await b.publish([shipped, { ...shipped, id: uuidv7() }]);
  await handled(h, 'inventory.commit-stock', 2);
  t.same(await rowsOf(h, p1), expected1, 'deducted once');
  t.same(await rowsOf(h, p2), [{ store_id: a, on_hand: 3, reserved: 0 }], 'deducted once');
  const statuses = await h.sql<{ status: string }>('select status from reservation where order_id = $1', [
    placed.data.orderId,
  ]);
  t.same(statuses, [{ status: 'COMMITTED' }]);
});
