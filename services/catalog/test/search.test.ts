import { createOrm } from '@mercato/db';
import { TEST_DATABASE_URL, uniqueName } from '@mercato/testing';
import pg from 'pg';
import t from 'tap';
import { migrations } from '../migrations/index.ts';
import { entities } from '../src/persistence/entities.ts';
import { createCategory, createProduct, startCatalog } from './helpers.ts';

t.test('GET /products/search', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books', 'Books');
  await createCategory(c, 'electronics', 'Electronics');
  await createCategory(c, 'clothing', 'Clothing');
  const book = (name: string, author: string, amount: string, description: string) =>
    createProduct(c, {
      name,
      description,
      category: 'books',
      price: { amount, currency: 'EUR' },
      attributes: { author, isbn: '9780261102217' },
    });
  await book('The Hobbit', 'J. R. R. Tolkien', '12.99', 'Bilbo Baggins leaves the Shire.');
  await book('The Lord of the Rings', 'J. R. R. Tolkien', '9.99', 'One ring to rule them all.');
  await book('Dune', 'Frank Herbert', '10.99', 'Spice, sandworms and politics on a desert planet.');
  await createProduct(c, {
    name: 'Desert Boots',
    description: 'Suede boots, good for walking up a dune.',
    category: 'clothing',
    price: { amount: '79.00', currency: 'EUR' },
  });
  await createProduct(c, {
    name: 'Noise-Cancelling Headphones',
    description: 'Wireless, 30 hours of battery.',
    category: 'electronics',
    price: { amount: '199.00', currency: 'EUR' },
    active: false,
  });

  const search = async (qs: string, headers: Record<string, string> = {}) => {
    const res = await c.app.inject({ url: `/products/search?${qs}`, headers });
    t.equal(res.statusCode, 200, qs);
    return res.json() as {
      items: { name: string; score: number }[];
      total: number;
      page: number;
      didYouMean?: { q: string; total: number };
    };
  };
  const names = async (qs: string, headers: Record<string, string> = {}) =>
    (await search(qs, headers)).items.map((p) => p.name);

  t.test('full text over name, description (stemmed), category and author', async (t) => {
    t.same(await names('q=hobbit'), ['The Hobbit']);
    t.same(await names('q=sandworm'), ['Dune'], 'stemming: sandworm finds sandworms');
    // The only electronics product is inactive: customers never see it (issue 15), an admin does.
    t.same(await names('q=electronics'), [], 'inactive: not shown to customers');
    t.same(await names('q=electronics', c.admin), ['Noise-Cancelling Headphones'], 'category');
    t.same((await names('q=tolkien')).sort(), ['The Hobbit', 'The Lord of the Rings'], 'author');
    t.same(await names('q=ring%20rule'), ['The Lord of the Rings'], 'all words of the query');
  });

  t.test('a one-letter slip still finds the product (name and author)', async (t) => {
    t.same(await names('q=Hobit'), ['The Hobbit'], 'a letter missing');
    t.same(await names('q=hobbbit'), ['The Hobbit'], 'a letter too many');
    t.same((await names('q=Tolkein')).sort(), ['The Hobbit', 'The Lord of the Rings'], 'swapped letters');
    t.same(await names('q=Herbret'), ['Dune']);
    // Issue 15's rule: no typo below five letters, so a slip in a four-letter word finds nothing
    // itself, but "did you mean" offers the word it missed.
    const dume = await search('q=Dume');
    t.same(dume.items, [], 'a four-letter word is matched exactly');
    t.same(dume.didYouMean, { q: 'dune', total: 2 }, 'and "did you mean" offers the close spelling');
    t.same(await names('q=Orwel'), [], 'no such author here');
    t.same(await names('q=zzyzx%20qwv'), [], 'unrelated text finds nothing');
  });

  t.test('ranked: a name match comes before a description match', async (t) => {
    const hits = (await search('q=dune')).items;
    t.same(
      hits.map((h) => h.name),
      ['Dune', 'Desert Boots'],
    );
    t.ok(hits[0]!.score > hits[1]!.score);
    t.equal(
      (await names('q=ring'))[0],
      'The Lord of the Rings',
      'a loose trigram match ranks below a word match',
    );
  });

  t.test('the same filters as the list, and paging', async (t) => {
    t.same(await names('q=tolkien&maxPrice=10'), ['The Lord of the Rings']);
    t.same(await names('q=tolkien&minPrice=10.00&maxPrice=20'), ['The Hobbit']);
    t.same(await names('q=tolkien&category=electronics'), []);
    t.same(await names('q=headphones&active=true'), []);
    t.same(await names('q=headphones&active=false'), [], 'a customer cannot ask for inactive products');
    t.same(
      await names('q=headphones&active=false', c.admin),
      ['Noise-Cancelling Headphones'],
      'an admin can',
    );
    const first = await search('q=tolkien&pageSize=1');
    const second = await search('q=tolkien&pageSize=1&page=2');
    t.equal(first.total, 2);
    t.equal(second.total, 2);
    t.equal(second.page, 2);
    t.equal(first.items.length, 1);
    t.equal(second.items.length, 1);
    t.not(first.items[0]!.name, second.items[0]!.name, 'pages do not overlap');
  });

  t.test('bad search input is a 400 problem', async (t) => {
    for (const qs of [
      '',
      'q=',
      'q=%20%20',
      `q=${'x'.repeat(201)}`,
      'q=a&minPrice=5&maxPrice=4',
      'q=a&pageSize=0',
      'q=a&x=1',
    ]) {
      const res = await c.app.inject({ url: `/products/search?${qs}` });
      t.equal(res.statusCode, 400, qs);
      t.match(res.headers['content-type'], /application\/problem\+json/, qs);
    }
  });
});

// pg_trgm is database-wide and already exists in the shared database, so the CREATE EXTENSION race
// is tested where it can happen: a fresh database, two schemas migrating into it at the same time.
t.test('two schemas migrate at once into a database without pg_trgm', async (t) => {
  const database = uniqueName('t_cat_db');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${database}`);
  t.teardown(async () => {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  });
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  const orms = await Promise.all(
    ['cat_a', 'cat_b', 'cat_c'].map((schema) =>
      createOrm({ url: url.toString(), schema, entities, migrations, poolMax: 2 }),
    ),
  );
  t.teardown(() => Promise.all(orms.map((orm) => orm.close(true))));
  for (const orm of orms) {
    const em = orm.em.fork();
    await em.execute(`insert into category (id, slug, name) values (gen_random_uuid(), 'books', 'Books')`);
    await em.execute(
      `insert into product (id, name, category, price, currency) values (gen_random_uuid(), 'The Hobbit', 'books', 1, 'EUR')`,
    );
    const rows = await em.execute(
      `select name from product where 'Hobit' operator(public.<%) name and search_vector @@ websearch_to_tsquery('english', 'hobbit')`,
    );
    t.same(
      rows.map((r) => r.name),
      ['The Hobbit'],
      `${orm.config.get('schema')}: trigram and full-text search work`,
    );
  }
  const check = new pg.Client({ connectionString: url.toString() });
  await check.connect();
  const { rows } = await check.query(
    `select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`,
  );
  await check.end();
  t.same(rows, [{ nspname: 'public' }], 'pg_trgm lives in public');
});
