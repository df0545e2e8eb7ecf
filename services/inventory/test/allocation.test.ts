import t from 'tap';
import {
  allocate,
  fellToThreshold,
  mergeLines,
  productLevel,
  reservedDeltas,
  type StockLevel,
  storeShares,
} from '../src/domain/allocation.ts';

const P1 = '00000000-0000-7000-8000-000000000001';
const P2 = '00000000-0000-7000-8000-000000000002';
const row = (id: string, productId: string, storeId: string, onHand: number, reserved = 0, threshold = 0) =>
  ({
    id,
    productId,
    storeId,
    onHand,
    reserved,
    version: 1,
    lowStockThreshold: threshold,
  }) satisfies StockLevel;

t.test('one store that holds the whole line serves it, the smallest such one', async (t) => {
  const stock = [row('a', P1, 'A', 10), row('b', P1, 'B', 3), row('c', P1, 'C', 1)];
  const result = allocate([{ productId: P1, quantity: 2 }], stock);
  t.same(result, { ok: true, picks: [{ stockId: 'b', productId: P1, storeId: 'B', quantity: 2 }] });
});

t.test('a line no single store can serve is split across stores, fullest first', async (t) => {
  const stock = [row('a', P1, 'A', 4, 1), row('b', P1, 'B', 5), row('c', P1, 'C', 1)];
  const result = allocate([{ productId: P1, quantity: 7 }], stock);
  t.same(result, {
    ok: true,
    picks: [
      { stockId: 'b', productId: P1, storeId: 'B', quantity: 5 },
      { stockId: 'a', productId: P1, storeId: 'A', quantity: 2 },
    ],
  });
});

t.test('all lines or none: one short line rejects the order and names only the short lines', async (t) => {
  const stock = [row('a', P1, 'A', 10), row('b', P2, 'A', 2, 1)];
  const result = allocate(
    [
      { productId: P1, quantity: 1 },
      { productId: P2, quantity: 2 },
    ],
    stock,
  );
  t.same(result, { ok: false, shortLines: [{ productId: P2, requested: 2, available: 1 }] });
});

t.test('a product with no stock row at all is short with nothing available', async (t) => {
  t.same(allocate([{ productId: P2, quantity: 1 }], [row('a', P1, 'A', 10)]), {
    ok: false,
    shortLines: [{ productId: P2, requested: 1, available: 0 }],
  });
});

t.test('lines naming the same product are reserved as one quantity', async (t) => {
  t.same(
    mergeLines([
      { productId: P1, quantity: 2 },
      { productId: P2, quantity: 1 },
      { productId: P1, quantity: 3 },
    ]),
    [
      { productId: P1, quantity: 5 },
      { productId: P2, quantity: 1 },
    ],
  );
  t.same(
    allocate(
      [
        { productId: P1, quantity: 3 },
        { productId: P1, quantity: 3 },
      ],
      [row('a', P1, 'A', 5)],
    ),
    { ok: false, shortLines: [{ productId: P1, requested: 6, available: 5 }] },
  );
});

t.test('a release and a new hold on one row net out; rows that cancel are left alone', async (t) => {
  const deltas = reservedDeltas(
    [
      { stockId: 'a', quantity: 2 },
      { stockId: 'b', quantity: 1 },
    ],
    [
      { stockId: 'a', quantity: 5 },
      { stockId: 'b', quantity: 1 },
    ],
  );
  t.same([...deltas], [['a', 3]]);
});

t.test('a product level sums its stores; stock.low fires on crossing the threshold only', async (t) => {
  const before = [row('a', P1, 'A', 10, 0, 3), row('b', P1, 'B', 2, 0, 2)];
  const level = productLevel(P1, before);
  t.same(level, { productId: P1, onHand: 12, reserved: 0, available: 12, lowStockThreshold: 5 });
  const at = productLevel(P1, [row('a', P1, 'A', 10, 7, 3), row('b', P1, 'B', 2, 0, 2)]);
  t.equal(fellToThreshold(level, at), true, 'from 12 to 5 with threshold 5');
  const below = productLevel(P1, [row('a', P1, 'A', 10, 8, 3), row('b', P1, 'B', 2, 0, 2)]);
  t.equal(fellToThreshold(at, below), false, 'already at the threshold: no second alert');
  t.equal(fellToThreshold(level, productLevel(P1, before)), false, 'no change, no alert');
});

t.test('the store shares of a reservation: one per store and product, summed', async (t) => {
  const stock = [row('a1', P1, 'A', 2), row('b1', P1, 'B', 3), row('a2', P2, 'A', 5)];
  const result = allocate(
    [
      { productId: P1, quantity: 4 },
      { productId: P2, quantity: 1 },
      { productId: P2, quantity: 2 },
    ],
    stock,
  );
  if (!result.ok) throw new Error('expected an allocation');
  t.same(storeShares(result.picks), [
    { storeId: 'B', productId: P1, quantity: 3 },
    { storeId: 'A', productId: P1, quantity: 1 },
    { storeId: 'A', productId: P2, quantity: 3 },
  ]);
  // Picks of one row given twice (never made by allocate, but summed all the same).
  const twice = { stockId: 'a1', productId: P1, storeId: 'A', quantity: 1 };
  t.same(storeShares([twice, twice]), [{ storeId: 'A', productId: P1, quantity: 2 }]);
  t.same(storeShares([]), []);
});
