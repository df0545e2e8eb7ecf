// The `weightGrams` attribute (issue 12): shipping prices parcels by it, so it is checked on every
// write (422 like the other attribute rules) and carried in product.created / product.updated.
import { type ProductSnapshot, validateEvent } from '@mercato/contracts';
import { eventually, tapExchange } from '@mercato/testing';
import t from 'tap';
import { MAX_WEIGHT_GRAMS, productRuleViolations, weightGramsOf } from '../src/domain/product-rules.ts';
import { demoProducts } from '../src/seed-data.ts';
import {
  bookBody,
  createCategory,
  createProduct,
  outboxTypes,
  productCount,
  startCatalog,
} from './helpers.ts';

t.test('weightGrams: a whole number of grams from 1 to 1,000,000, or absent', async (t) => {
  const rules = (weightGrams: unknown) =>
    productRuleViolations({ category: 'games', attributes: { weightGrams } as never });
  for (const ok of [1, 500, 1_000_000, null, undefined]) t.same(rules(ok), [], `${ok} is accepted`);
  for (const bad of [0, -1, 1.5, 1_000_001, '500', true, Number.NaN]) {
    t.same(
      rules(bad),
      [`attributes.weightGrams must be a whole number of grams from 1 to ${MAX_WEIGHT_GRAMS}`],
      `${JSON.stringify(bad)} is refused`,
    );
  }
  t.equal(weightGramsOf({ weightGrams: 340 }), 340);
  t.equal(weightGramsOf({}), undefined);
  t.equal(weightGramsOf({ weightGrams: 'heavy' }), undefined, 'a value stored before the rule is left out');
});

t.test('the demo products weigh what they are: books a few hundred grams, the rest more', async (t) => {
  for (const product of demoProducts) {
    const weight = weightGramsOf(product.attributes);
    t.ok(weight !== undefined, `${product.name} has a weight`);
    if (product.category === 'books') t.ok(weight! >= 200 && weight! <= 900, `${product.name}: ${weight} g`);
  }
  const books = demoProducts.filter((p) => p.category === 'books').map((p) => weightGramsOf(p.attributes)!);
  const electronics = demoProducts
    .filter((p) => p.category === 'electronics')
    .map((p) => weightGramsOf(p.attributes)!);
  t.ok(Math.min(...electronics) > Math.max(...books), 'electronics outweigh every book');
});

t.test('a bad weightGrams is 422 on POST, PUT and PATCH, and changes nothing', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books');
  const product = await createProduct(c, bookBody());
  const count = await productCount(c);
  const events = await outboxTypes(c);
  const attributes = (weightGrams: unknown) => ({ author: 'A', isbn: '9780441172719', weightGrams });

  for (const weightGrams of [0, -5, 12.5, 1_000_001, '300']) {
    const created = await c.app.inject({
      method: 'POST',
      url: '/products',
      headers: c.admin,
      payload: bookBody({ attributes: attributes(weightGrams) }),
    });
    t.equal(created.statusCode, 422, `POST ${JSON.stringify(weightGrams)}`);
    t.match(created.headers['content-type'], /application\/problem\+json/);
    t.same(created.json().violations, [
      'attributes.weightGrams must be a whole number of grams from 1 to 1000000',
    ]);
    const replaced = await c.app.inject({
      method: 'PUT',
      url: `/products/${product.id}`,
      headers: c.admin,
      payload: bookBody({ name: product.name, attributes: attributes(weightGrams) }),
    });
    t.equal(replaced.statusCode, 422, `PUT ${JSON.stringify(weightGrams)}`);
    const patched = await c.app.inject({
      method: 'PATCH',
      url: `/products/${product.id}`,
      headers: c.admin,
      payload: { attributes: attributes(weightGrams) },
    });
    t.equal(patched.statusCode, 422, `PATCH ${JSON.stringify(weightGrams)}`);
  }
  t.equal(await productCount(c), count);
  t.same(await outboxTypes(c), events, 'no event for a refused write');
  const read = (await c.app.inject({ url: `/products/${product.id}` })).json();
  t.equal(read.version, product.version);
  t.same(read.attributes, product.attributes);
});

t.test('product.created and product.updated carry weightGrams when the product has one', async (t) => {
  const c = await startCatalog(t);
  const { messages: received } = await tapExchange(c.exchange, { pattern: 'product.*', t });
  await createCategory(c, 'books');
  const snapshot = async (n: number): Promise<ProductSnapshot> => {
    const message = await eventually(async () => {
      if (received.length < n) throw new Error(`${received.length} of ${n} events so far`);
      return received[n - 1]!;
    });
    t.same(validateEvent(message.routingKey, 1, message.envelope.data), { ok: true });
    return message.envelope.data as ProductSnapshot;
  };

  const heavy = await createProduct(
    c,
    bookBody({ attributes: { author: 'A', isbn: '9780441172719', weightGrams: 640 } }),
  );
  t.equal(heavy.attributes.weightGrams, 640, 'kept as an attribute');
  t.match(await snapshot(1), { productId: heavy.id, weightGrams: 640, version: 1 });

  const patch = (attributes: Record<string, unknown>) =>
    c.app.inject({
      method: 'PATCH',
      url: `/products/${heavy.id}`,
      headers: c.admin,
      payload: { attributes },
    });
  t.equal((await patch({ author: 'A', isbn: '9780441172719', weightGrams: 700 })).statusCode, 200);
  t.match(await snapshot(2), { productId: heavy.id, weightGrams: 700, version: 2 });

  // Without the attribute (or with null) the snapshot has none: shipping uses its default weight.
  t.equal((await patch({ author: 'A', isbn: '9780441172719', weightGrams: null })).statusCode, 200);
  const cleared = await snapshot(3);
  t.equal(cleared.version, 3);
  t.notOk('weightGrams' in cleared, 'no weight in the snapshot');

  const light = await createProduct(c, bookBody());
  const none = await snapshot(4);
  t.equal(none.productId, light.id);
  t.notOk('weightGrams' in none, 'a product without the attribute has no weight');
});
