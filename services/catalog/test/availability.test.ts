// Availability on product reads: a read model fed by inventory's stock.levels_changed, joined after
// the product cache, so a level shows within a second of its event (issue 10, test 5).
import type { ProductStockLevel, StockLevelsChanged } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import { eventually, publishEvents } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { bookBody, type Catalog, createCategory, createProduct, startCatalog } from './helpers.ts';

const start = async (
  t: Parameters<typeof startCatalog>[0],
  overrides?: Parameters<typeof startCatalog>[1],
) => {
  const c = await startCatalog(t, overrides);
  await createCategory(c, 'books', 'Books');
  return c;
};

const levelsChanged = (...levels: ProductStockLevel[]): Envelope<StockLevelsChanged> =>
  envelope('stock.levels_changed', { levels }, { source: 'inventory' });

const getProduct = async (c: Catalog, id: string) => {
  const res = await c.app.inject({ url: `/products/${id}` });
  if (res.statusCode !== 200) throw new Error(`GET /products/${id}: ${res.statusCode} ${res.body}`);
  return res.json();
};

const stored = async (c: Catalog, productId: string) =>
  (
    await c.app.orm.em
      .fork()
      .execute(
        'select available, availability, version::int as version from product_availability where product_id = ?',
        [productId],
      )
  )[0];

t.test('product reads follow stock levels within a second of the event, cache or not', async (t) => {
  const c = await start(t);
  const product = await createProduct(c, bookBody());
  t.same(product.availability, { status: 'out_of_stock', quantity: 0 }, 'no level announced yet');

  // Warm every cache the product is in: by id, a list page, a search page.
  const name = product.name as string;
  const list = `/products?pageSize=100`;
  const search = `/products/search?q=${encodeURIComponent(name)}`;
  for (const url of [`/products/${product.id}`, list, search]) {
    await c.app.inject({ url });
    t.equal((await c.app.inject({ url })).statusCode, 200);
  }

  // The consumer's first message pays its start-up (connections, compilation): measured after it.
  const warmUp = uuidv7();
  await publishEvents(c.exchange, [
    levelsChanged({ productId: warmUp, available: 1, availability: 'low', version: 1 }),
  ]);
  await eventually(async () => {
    if ((await stored(c, warmUp)) === undefined) throw new Error('warm-up level not stored yet');
  });

  const started = Date.now();
  await publishEvents(c.exchange, [
    levelsChanged({ productId: product.id, available: 7, availability: 'in_stock', version: 3 }),
  ]);
  // Polled every 20 ms: the issue asks for the level to show within a second of the event.
  let shown = false;
  while (!shown && Date.now() - started < 5_000) {
    const body = await getProduct(c, product.id);
    shown = body.availability.status === 'in_stock';
    if (!shown) await new Promise((r) => setTimeout(r, 20));
  }
  const elapsed = Date.now() - started;
  t.ok(shown, 'the level shows');
  t.ok(elapsed < 1_000, `GET /products/{id} shows the level ${elapsed} ms after the event`);
  t.same((await getProduct(c, product.id)).availability, { status: 'in_stock', quantity: 7 });

  const inList = (await c.app.inject({ url: list }))
    .json()
    .items.find((p: { id: string }) => p.id === product.id);
  t.same(inList.availability, { status: 'in_stock', quantity: 7 }, 'the cached list page shows it too');
  const hit = (await c.app.inject({ url: search }))
    .json()
    .items.find((p: { id: string }) => p.id === product.id);
  t.same(hit.availability, { status: 'in_stock', quantity: 7 }, 'and the cached search page');

  // Low, then gone.
  await publishEvents(c.exchange, [
    levelsChanged({ productId: product.id, available: 1, availability: 'low', version: 4 }),
  ]);
  await eventually(async () => {
    const body = await getProduct(c, product.id);
    if (body.availability.status !== 'low') throw new Error(JSON.stringify(body.availability));
  });
  await publishEvents(c.exchange, [
    levelsChanged({ productId: product.id, available: 0, availability: 'out_of_stock', version: 5 }),
  ]);
  await eventually(async () => {
    const body = await getProduct(c, product.id);
    if (body.availability.status !== 'out_of_stock') throw new Error(JSON.stringify(body.availability));
  });
  t.same((await getProduct(c, product.id)).availability, { status: 'out_of_stock', quantity: 0 });
});

t.test('only a newer version replaces a level: late or repeated events change nothing', async (t) => {
  const c = await start(t);
  const a = await createProduct(c, bookBody());
  const b = uuidv7(); // stock announced for a product the catalog does not have (yet)
  await publishEvents(c.exchange, [
    levelsChanged(
      { productId: a.id, available: 5, availability: 'in_stock', version: 10 },
      { productId: b, available: 2, availability: 'low', version: 1 },
    ),
  ]);
  await eventually(async () => {
    if ((await stored(c, b)) === undefined) throw new Error('not stored yet');
  });
  // Older and equal versions, then a newer one for b only: a stays at version 10.
  await publishEvents(c.exchange, [
    levelsChanged({ productId: a.id, available: 0, availability: 'out_of_stock', version: 9 }),
    levelsChanged({ productId: a.id, available: 1, availability: 'low', version: 10 }),
    levelsChanged({ productId: b, available: 3, availability: 'in_stock', version: 2 }),
  ]);
  await eventually(async () => {
    const row = await stored(c, b);
    if (row?.version !== 2) throw new Error(`b at ${JSON.stringify(row)}`);
  });
  await eventually(async () => {
    const [row] = await c.app.orm.em
      .fork()
      .execute(`select count(*)::int as n from inbox where consumer = 'catalog.stock-levels'`);
    if (row.n !== 4) throw new Error(`handled ${row.n} of 4`);
  });
  t.same(await stored(c, a.id), { available: 5, availability: 'in_stock', version: 10 });
  t.same((await getProduct(c, a.id)).availability, { status: 'in_stock', quantity: 5 });
});

t.test('SHOW_STOCK_QUANTITY=false: the status without the quantity', async (t) => {
  const c = await start(t, { SHOW_STOCK_QUANTITY: false });
  const product = await createProduct(c, bookBody());
  t.same(product.availability, { status: 'out_of_stock' });
  await publishEvents(c.exchange, [
    levelsChanged({ productId: product.id, available: 12, availability: 'in_stock', version: 1 }),
  ]);
  await eventually(async () => {
    const body = await getProduct(c, product.id);
    if (body.availability.status !== 'in_stock') throw new Error(JSON.stringify(body.availability));
  });
  t.same((await getProduct(c, product.id)).availability, { status: 'in_stock' });
  const list = (await c.app.inject({ url: '/products' })).json();
  t.same(list.items[0].availability, { status: 'in_stock' });
});
