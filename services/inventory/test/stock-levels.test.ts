// stock.levels_changed: every transaction that changes stock rows announces the new level of each
// product it touched (summed over every store), with a version that grows with every change.
import type { ProductStockLevel, StockLevelsChanged } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import { eventually } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { bearer, bus, type Harness, orderPlaced, seedStock, setup } from './helpers.ts';

type Bus = Awaited<ReturnType<typeof bus>>;

const levelEvents = (b: Bus) =>
  b.received.filter((e) => e.type === 'stock.levels_changed') as Envelope<StockLevelsChanged>[];

/** Every level announced for the product, in the order they were published. */
const levelsOf = (b: Bus, productId: string): ProductStockLevel[] =>
  levelEvents(b).flatMap((e) => e.data.levels.filter((l) => l.productId === productId));

/** Waits for the product's announced level with the highest version to match `expected`. */
const latest = (b: Bus, productId: string, expected: Partial<ProductStockLevel>) =>
  eventually(
    async () => {
      const levels = levelsOf(b, productId);
      const top = levels.reduce<ProductStockLevel | undefined>(
        (best, l) => (best && best.version >= l.version ? best : l),
        undefined,
      );
      for (const [key, value] of Object.entries(expected))
        if (top?.[key as keyof ProductStockLevel] !== value)
          throw new Error(
            `latest level of ${productId}: ${JSON.stringify(top)}, want ${JSON.stringify(expected)}`,
          );
      return top!;
    },
    { timeoutMs: 10_000 },
  );

const handled = (h: Harness, consumer: string, n: number) =>
  eventually(async () => {
    const [row] = await h.sql<{ n: number }>('select count(*)::int as n from inbox where consumer = $1', [
      consumer,
    ]);
    if (row!.n !== n) throw new Error(`${consumer} handled ${row!.n} of ${n}`);
  });

const versionsOf = (b: Bus, productId: string) => levelsOf(b, productId).map((l) => l.version);
const increasing = (versions: number[]) => versions.every((v, i) => i === 0 || v > versions[i - 1]!);

t.test('admin changes of stock announce the level, summed over every store', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const product = uuidv7();
  const admin = bearer(h.adminToken);

  const first = await seedStock(h, product, 10, { lowStockThreshold: 2 });
  const v1 = await latest(b, product, { available: 10, availability: 'in_stock' });
  const second = await seedStock(h, product, 5, { lowStockThreshold: 3 });
  const v2 = await latest(b, product, { available: 15, availability: 'in_stock' });
  t.ok(v2.version > v1.version, 'a second store raises the version');

  // 15 → 5: at the threshold (2 + 3) → low.
  const patch = await h.app.inject({
    method: 'PATCH',
    url: `/stocks/${first.stockId}`,
    headers: admin,
    payload: { onHand: 0 },
  });
  t.equal(patch.statusCode, 200);
  await latest(b, product, { available: 5, availability: 'low' });

  // A refused change (422) announces nothing.
  await h.sql('update stock set reserved = 3 where id = $1', [second.stockId]);
  const before = levelEvents(b).length;
  const refused = await h.app.inject({
    method: 'PATCH',
    url: `/stocks/${second.stockId}`,
    headers: admin,
    payload: { onHand: 1 },
  });
  t.equal(refused.statusCode, 422);
  t.equal(levelEvents(b).length, before, 'nothing announced for a refused change');
  t.ok(increasing(versionsOf(b, product)), 'versions grow with every change');
});

t.test(
  'reservation, release and shipment each announce the levels of the products they touched',
  async (t) => {
    const h = await setup(t);
    const b = await bus(t, h.exchange);
    const p1 = uuidv7();
    const p2 = uuidv7();
    await seedStock(h, p1, 5, { lowStockThreshold: 1 });
    await seedStock(h, p2, 2);
    await latest(b, p1, { available: 5 });
    await latest(b, p2, { available: 2 });
    const seeded = levelEvents(b).length;

    const placed = orderPlaced([
      { productId: p1, quantity: 3 },
      { productId: p2, quantity: 2 },
    ]);
    await b.publish([placed]);
    await latest(b, p1, { available: 2, availability: 'in_stock' });
    await latest(b, p2, { available: 0, availability: 'out_of_stock' });
    const reservedEvents = levelEvents(b).slice(seeded);
    t.equal(reservedEvents.length, 1, 'one event for the change');
    t.same(reservedEvents[0]!.data.levels.map((l) => l.productId).sort(), [p1, p2].sort());

    // The same order.placed again, under a new message id: nothing reserved, nothing announced.
    await b.publish([{ ...placed, id: uuidv7() }]);
    await handled(h, 'inventory.reserve-stock', 2);
    // A rejected order changes no stock: nothing announced either.
    const rejected = orderPlaced([{ productId: p2, quantity: 1 }]);
    await b.publish([rejected]);
    await eventually(async () => {
      if (b.of('stock.rejected', rejected.data.orderId).length === 0) throw new Error('not rejected yet');
    });
    t.equal(levelEvents(b).length, seeded + 1, 'no level for a redelivery or a rejection');

    // Shipped: on hand drops with the hold, available stays.
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
    await eventually(async () => {
      if (levelEvents(b).length !== seeded + 2) throw new Error('no level for the shipment yet');
    });
    t.same(
      levelEvents(b)
        .at(-1)!
        .data.levels.map((l) => [l.productId, l.available])
        .sort(),
      [
        [p1, 2],
        [p2, 0],
      ].sort(),
    );

    // A cancelled order's hold comes back.
    const other = orderPlaced([{ productId: p1, quantity: 2 }]);
    await b.publish([other]);
    await latest(b, p1, { available: 0, availability: 'out_of_stock' });
    await b.publish([
      envelope(
        'order.cancelled',
        {
          orderId: other.data.orderId,
          userId: other.data.userId,
          reason: 'customer',
          previousStatus: 'PENDING',
        },
        { source: 'orders', correlationId: other.data.orderId },
      ),
    ]);
    await latest(b, p1, { available: 2, availability: 'in_stock' });
    t.ok(increasing(versionsOf(b, p1)), 'versions of p1 grow');
    t.ok(increasing(versionsOf(b, p2)), 'versions of p2 grow');
    const [level] = await h.sql<{ version: string }>(
      'select version from product_level where product_id = $1',
      [p1],
    );
    t.equal(
      Number(level!.version),
      levelsOf(b, p1).at(-1)!.version,
      'the last event carries the stored version',
    );
  },
);

t.test('a declined hold given back to another buyer is announced', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const product = uuidv7();
  await seedStock(h, product, 3);
  const hoard = orderPlaced([{ productId: product, quantity: 3 }]);
  await b.publish([hoard]);
  await latest(b, product, { available: 0 });
  const { orderId, userId, revision } = hoard.data;
  await b.publish([
    envelope(
      'payment.failed',
      {
        paymentId: uuidv7(),
        orderId,
        userId,
        revision,
        amount: { amount: '19.98', currency: 'EUR' },
        reason: 'card_declined',
      },
      { source: 'payments', correlationId: orderId },
    ),
  ]);
  await handled(h, 'inventory.payment-holds', 1);
  const buyer = orderPlaced([{ productId: product, quantity: 1 }]);
  await b.publish([buyer]);
  // The reclaim (3 back) and the buyer's hold (1 taken) in one transaction: the newest level is 2.
  await latest(b, product, { available: 2, availability: 'in_stock' });
  t.ok(increasing(versionsOf(b, product)));
});

t.test('deleting a store announces the products it stocked', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const product = uuidv7();
  const kept = await seedStock(h, product, 4, { lowStockThreshold: 0 });
  const gone = await seedStock(h, product, 0, { lowStockThreshold: 5 });
  await latest(b, product, { available: 4, availability: 'low' });
  const del = await h.app.inject({
    method: 'DELETE',
    url: `/stores/${gone.storeId}`,
    headers: bearer(h.adminToken),
  });
  t.equal(del.statusCode, 204);
  // Its threshold went with it: 4 over a threshold of 0 is in stock again.
  await latest(b, product, { available: 4, availability: 'in_stock' });
  t.ok(kept.stockId);
  t.ok(increasing(versionsOf(b, product)), 'a deleted row does not take the version back');
});

t.test(
  'many sales at once are announced together: fewer events than sales, the last level exact',
  async (t) => {
    const h = await setup(t, { overrides: { LEVELS_PUBLISH_INTERVAL_MS: 300 } });
    const b = await bus(t, h.exchange);
    const p = uuidv7();
    await seedStock(h, p, 100);
    await latest(b, p, { available: 100 });
    const before = levelEvents(b).length;
    await b.publish(Array.from({ length: 30 }, () => orderPlaced([{ productId: p, quantity: 1 }])));
    await latest(b, p, { available: 70 });
    const announced = levelEvents(b).length - before;
    t.ok(announced >= 1 && announced < 30, `30 reservations, ${announced} level event(s)`);
    const versions = levelEvents(b)
      .flatMap((e) => e.data.levels)
      .filter((l) => l.productId === p)
      .map((l) => l.version);
    t.same(
      versions,
      [...versions].sort((x, y) => x - y),
      'versions only grow',
    );
  },
);
