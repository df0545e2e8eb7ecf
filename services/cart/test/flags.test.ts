// The read models the cart prices from, fed by events: a price change, a deactivation, a deletion and
// a stock level are flagged on the lines, with what changed; the total counts only what can be bought;
// the cart reads while catalog is down.
import type { ProductDeleted, ProductSnapshot, StockLevelsChanged } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import t from 'tap';
import { addItem, myCart, setup } from './helpers.ts';

const updated = (p: ProductSnapshot, change: Partial<ProductSnapshot>) =>
  envelope<ProductSnapshot>('product.updated', { ...p, ...change }, { source: 'catalog' });

t.test(
  'a price change: the line is flagged price_changed with from/to, the cart version bumped',
  async (t) => {
    const s = await setup(t);
    const me = s.bearer(s.customer.token);
    const a = await s.seedProduct({ price: { amount: '10.00', currency: 'EUR' } });
    const b = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
    await addItem(s, me, a.productId, 2);
    await addItem(s, me, b.productId, 1);
    const before = await myCart(s, me);
    // Another customer's cart without the product keeps its version.
    const otherBefore = await myCart(s, s.bearer(s.other.token));

    const event = updated(a, { price: { amount: '12.00', currency: 'EUR' }, version: 2 });
    await s.publish(event);
    await s.handled(event);
    const after = await myCart(s, me);
    t.ok(after.version > before.version, 'version bumped');
    const line = after.lines.find((l: any) => l.productId === a.productId);
    t.same(line.flags, ['price_changed']);
    t.same(line.changes.price, {
      from: { amount: '10.00', currency: 'EUR' },
      to: { amount: '12.00', currency: 'EUR' },
    });
    t.same(line.unitPrice, { amount: '12.00', currency: 'EUR' });
    t.same(line.addedUnitPrice, { amount: '10.00', currency: 'EUR' });
    t.equal(line.counted, true, 'a changed price is still counted, at the new price');
    t.same(after.total, { amount: '25.00', currency: 'EUR' });
    t.equal((await myCart(s, s.bearer(s.other.token))).version, otherBefore.version);

    // A late, older snapshot changes nothing; a name-only change does not bump the version.
    const stale = updated(a, { price: { amount: '5.00', currency: 'EUR' }, version: 1 });
    await s.publish(stale);
    await s.handled(stale);
    const rename = updated(a, { name: 'Renamed', price: { amount: '12.00', currency: 'EUR' }, version: 3 });
    await s.publish(rename);
    await s.handled(rename);
    const latest = await myCart(s, me);
    t.equal(latest.version, after.version);
    t.equal(latest.lines.find((l: any) => l.productId === a.productId).name, 'Renamed');
    t.same(latest.total, { amount: '25.00', currency: 'EUR' });

    // Back to the price it was added at: no flag.
    const back = updated(a, { price: { amount: '10.00', currency: 'EUR' }, version: 4 });
    await s.publish(back);
    await s.handled(back);
    const restored = await myCart(s, me);
    t.same(restored.lines.find((l: any) => l.productId === a.productId).flags, []);
    t.ok(restored.version > latest.version);
  },
);

t.test('inactive and deleted products: flagged inactive, not counted', async (t) => {
  const s = await setup(t);
  const me = s.bearer(s.customer.token);
  const a = await s.seedProduct({ name: 'Gone soon', price: { amount: '4.00', currency: 'EUR' } });
  const b = await s.seedProduct({ price: { amount: '2.00', currency: 'EUR' } });
  const c = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
  for (const p of [a, b, c]) await addItem(s, me, p.productId, 1);
  const before = await myCart(s, me);

  const off = updated(b, { active: false, version: 2 });
  const gone = envelope<ProductDeleted>(
    'product.deleted',
    { productId: a.productId, version: 2 },
    { source: 'catalog' },
  );
  await s.publish(off);
  await s.publish(gone);
  await s.handled(off);
  await s.handled(gone);
  const after = await myCart(s, me);
  t.ok(after.version >= before.version + 2);
  const byId = Object.fromEntries(after.lines.map((l: any) => [l.productId, l]));
  t.same(byId[a.productId].flags, ['inactive']);
  t.equal(byId[a.productId].name, 'Gone soon', 'a deleted product keeps the name it was added with');
  t.same(byId[a.productId].unitPrice, { amount: '4.00', currency: 'EUR' });
  t.equal(byId[a.productId].counted, false);
  t.same(byId[b.productId].flags, ['inactive']);
  t.equal(byId[b.productId].counted, false);
  t.equal(byId[c.productId].counted, true);
  t.same(after.total, { amount: '1.00', currency: 'EUR' });
  t.equal(after.itemCount, 3);

  // A late update older than the deletion does not bring the product back.
  const late = updated(a, { version: 1 });
  await s.publish(late);
  await s.handled(late);
  t.same((await myCart(s, me)).lines.find((l: any) => l.productId === a.productId).flags, ['inactive']);
});

t.test(
  'stock levels: short_of_stock when the quantity is over what is available; unknown is not flagged',
  async (t) => {
    const s = await setup(t);
    const me = s.bearer(s.customer.token);
    const a = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
    const b = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
    await addItem(s, me, a.productId, 5);
    await addItem(s, me, b.productId, 1);
    const unknown = await myCart(s, me);
    for (const l of unknown.lines) {
      t.equal(l.availability, undefined, 'no level yet: no availability shown');
      t.same(l.flags, []);
    }

    const levels = envelope<StockLevelsChanged>(
      'stock.levels_changed',
      {
        levels: [
          { productId: a.productId, available: 3, availability: 'low', version: 7 },
          { productId: b.productId, available: 50, availability: 'in_stock', version: 2 },
        ],
      },
      { source: 'inventory' },
    );
    await s.publish(levels);
    await s.handled(levels);
    const cart = await myCart(s, me);
    const byId = Object.fromEntries(cart.lines.map((l: any) => [l.productId, l]));
    t.same(byId[a.productId].flags, ['short_of_stock']);
    t.equal(byId[a.productId].available, 3);
    t.equal(byId[a.productId].availability, 'low');
    t.equal(byId[a.productId].counted, false);
    t.equal(byId[b.productId].availability, 'in_stock');
    t.same(cart.total, { amount: '1.00', currency: 'EUR' });
    t.equal(cart.version, unknown.version, 'stock levels do not bump the version');

    // An older level arriving late changes nothing; a newer one clears the flag.
    const old = envelope<StockLevelsChanged>(
      'stock.levels_changed',
      { levels: [{ productId: a.productId, available: 100, availability: 'in_stock', version: 6 }] },
      { source: 'inventory' },
    );
    await s.publish(old);
    await s.handled(old);
    t.same((await myCart(s, me)).lines.find((l: any) => l.productId === a.productId).flags, [
      'short_of_stock',
    ]);
    const restock = envelope<StockLevelsChanged>(
      'stock.levels_changed',
      { levels: [{ productId: a.productId, available: 5, availability: 'in_stock', version: 8 }] },
      { source: 'inventory' },
    );
    await s.publish(restock);
    await s.handled(restock);
    const fine = await myCart(s, me);
    t.same(fine.lines.find((l: any) => l.productId === a.productId).flags, []);
    t.same(fine.total, { amount: '16.00', currency: 'EUR' });
  },
);

t.test('catalog down: the cart still reads with the last known prices', async (t) => {
  // CATALOG_URL points where nothing listens: the cart never needs catalog to read.
  const s = await setup(t);
  const me = s.bearer(s.customer.token);
  const created = envelope<ProductSnapshot>(
    'product.created',
    {
      productId: (await import('uuidv7')).uuidv7(),
      name: 'Via events',
      price: { amount: '7.25', currency: 'EUR' },
      active: true,
      version: 1,
    },
    { source: 'catalog' },
  );
  await s.publish(created);
  await s.handled(created);
  await addItem(s, me, created.data.productId, 2);
  const cart = await myCart(s, me);
  t.same(cart.total, { amount: '14.50', currency: 'EUR' });
  t.equal(cart.lines[0].name, 'Via events');
});
