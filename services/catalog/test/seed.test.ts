import t from 'tap';
import { Value } from 'typebox/value';
import { buildApp } from '../src/app.ts';
import { productRuleViolations } from '../src/domain/product-rules.ts';
import { ProductBody } from '../src/routes/products/schemas.ts';
import { demoCategories, demoProducts } from '../src/seed-data.ts';
import { outboxTypes, productCount, startCatalog } from './helpers.ts';

t.test('the demo catalog is valid input: 8-12 products, books with author and ISBN', async (t) => {
  t.ok(demoProducts.length >= 8 && demoProducts.length <= 12, `${demoProducts.length} products`);
  const slugs = new Set(demoCategories.map((c) => c.slug));
  t.ok(slugs.size >= 3, 'a few categories');
  for (const product of demoProducts) {
    t.ok(Value.Check(ProductBody, product), `${product.name} passes the route schema`);
    t.same(productRuleViolations(product), [], `${product.name} passes the catalog rules`);
    t.ok(slugs.has(product.category), `${product.name} is in a demo category`);
  }
  const books = demoProducts.filter((p) => p.category === 'books');
  t.ok(books.length >= 3, 'several books');
  t.equal(new Set(demoProducts.map((p) => p.name.toLowerCase())).size, demoProducts.length, 'unique names');
});

t.test('SEED_DEMO_CATALOG seeds an empty catalog once, with an event per product', async (t) => {
  const first = await startCatalog(t, { SEED_DEMO_CATALOG: true });
  t.equal(await productCount(first), demoProducts.length);
  const events = await outboxTypes(first);
  t.equal(events.filter((e) => e === 'product.created').length, demoProducts.length);
  const categories = (await first.app.inject({ url: '/products/categories' })).json();
  t.same(categories.map((c: { slug: string }) => c.slug).sort(), demoCategories.map((c) => c.slug).sort());
  const hobbit = (await first.app.inject({ url: '/products/search?q=hobit' })).json();
  t.equal(hobbit.items[0]?.name, 'The Hobbit');

  // A restart on the same schema (another replica, or the next `npm start`) seeds nothing more.
  const second = await buildApp(first.config, { jwks: first.auth.jwks });
  await second.close();
  t.equal(await productCount(first), demoProducts.length);
  t.equal((await outboxTypes(first)).length, events.length);
});
