import t from 'tap';
import {
  bookBody,
  createCategory,
  createProduct,
  outboxTypes,
  productCount,
  startCatalog,
} from './helpers.ts';

t.test('products: create, read, replace, change, delete', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books', 'Books');
  await createCategory(c, 'games', 'Games');

  t.test('categories are listed and a duplicate slug is a 409', async (t) => {
    const list = await c.app.inject({ url: '/products/categories' });
    t.equal(list.statusCode, 200);
    t.same(
      list.json().map((x: { slug: string }) => x.slug),
      ['books', 'games'],
    );
    const dup = await c.app.inject({
      method: 'POST',
      url: '/products/categories',
      headers: c.admin,
      payload: { slug: 'books', name: 'Other books' },
    });
    t.equal(dup.statusCode, 409);
    t.match(dup.headers['content-type'], /application\/problem\+json/);
    t.equal((await c.app.inject({ url: '/products/categories' })).json().length, 2);
  });

  t.test('POST creates: 201, Location, ETag, exact price', async (t) => {
    const body = bookBody({
      price: { amount: '12.5', currency: 'EUR' },
      attributes: { author: 'A', isbn: '9780441172719', pages: 617 },
    });
    const res = await c.app.inject({ method: 'POST', url: '/products', headers: c.admin, payload: body });
    t.equal(res.statusCode, 201);
    const product = res.json();
    t.equal(res.headers.location, `/products/${product.id}`);
    t.equal(res.headers.etag, '"1"');
    t.match(product, {
      name: body.name,
      category: 'books',
      price: { amount: '12.50', currency: 'EUR' },
      attributes: { author: 'A', isbn: '9780441172719', pages: 617 },
      active: true,
      description: 'A test book.',
      version: 1,
    });
    t.match(product.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/, 'a UUIDv7');

    const read = await c.app.inject({ url: res.headers.location as string });
    t.equal(read.statusCode, 200);
    t.equal(read.headers.etag, '"1"');
    t.same(read.json(), product);
  });

  t.test('GET of an unknown product is a 404 problem', async (t) => {
    const res = await c.app.inject({ url: '/products/01a201ce-bdd3-713d-91fd-31e489b30668' });
    t.equal(res.statusCode, 404);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { status: 404, type: 'https://mercato.dev/problems/not-found' });
  });

  t.test('PUT replaces, PATCH changes; each bumps the version and the ETag', async (t) => {
    const created = await createProduct(c, bookBody());
    const put = await c.app.inject({
      method: 'PUT',
      url: `/products/${created.id}`,
      headers: { ...c.admin, 'if-match': '"1"' },
      payload: {
        name: `${created.name} (2nd ed.)`,
        category: 'games',
        price: { amount: '30', currency: 'USD' },
      },
    });
    t.equal(put.statusCode, 200);
    t.equal(put.headers.etag, '"2"');
    t.match(put.json(), {
      name: `${created.name} (2nd ed.)`,
      category: 'games',
      description: '',
      attributes: {},
      price: { amount: '30.00', currency: 'USD' },
      version: 2,
    });

    const patch = await c.app.inject({
      method: 'PATCH',
      url: `/products/${created.id}`,
      headers: { ...c.admin, 'if-match': put.headers.etag as string },
      payload: { active: false },
    });
    t.equal(patch.statusCode, 200);
    t.equal(patch.headers.etag, '"3"');
    t.match(patch.json(), { active: false, category: 'games', price: { amount: '30.00' }, version: 3 });
    const read = await c.app.inject({ url: `/products/${created.id}` });
    t.equal(read.headers.etag, '"3"');
    t.equal(read.json().active, false);
  });

  t.test('a stale If-Match is a 412 and changes nothing', async (t) => {
    const created = await createProduct(c, bookBody());
    const first = await c.app.inject({
      method: 'PATCH',
      url: `/products/${created.id}`,
      headers: { ...c.admin, 'if-match': '"1"' },
      payload: { description: 'first writer' },
    });
    t.equal(first.statusCode, 200);
    const before = await outboxTypes(c);
    for (const method of ['PATCH', 'PUT'] as const) {
      const stale = await c.app.inject({
        method,
        url: `/products/${created.id}`,
        headers: { ...c.admin, 'if-match': '"1"' },
        payload:
          method === 'PATCH' ? { description: 'second writer' } : bookBody({ description: 'second writer' }),
      });
      t.equal(stale.statusCode, 412, method);
      t.match(stale.headers['content-type'], /application\/problem\+json/);
    }
    const del = await c.app.inject({
      method: 'DELETE',
      url: `/products/${created.id}`,
      headers: { ...c.admin, 'if-match': '"1"' },
    });
    t.equal(del.statusCode, 412, 'DELETE');
    const read = await c.app.inject({ url: `/products/${created.id}` });
    t.equal(read.json().description, 'first writer');
    t.equal(read.json().version, 2);
    t.same(await outboxTypes(c), before, 'no event for refused writes');
  });

  t.test('concurrent writers with the same If-Match: exactly one wins', async (t) => {
    const created = await createProduct(c, bookBody());
    const before = (await outboxTypes(c)).length;
    const attempts = await Promise.all(
      ['one', 'two', 'three', 'four'].map((who) =>
        c.app.inject({
          method: 'PATCH',
          url: `/products/${created.id}`,
          headers: { ...c.admin, 'if-match': '"1"' },
          payload: { description: who },
        }),
      ),
    );
    const codes = attempts.map((r) => r.statusCode).sort();
    t.same(codes, [200, 412, 412, 412]);
    const winner = attempts.find((r) => r.statusCode === 200)!.json();
    const read = await c.app.inject({ url: `/products/${created.id}` });
    t.equal(read.json().description, winner.description);
    t.equal(read.json().version, 2);
    t.equal((await outboxTypes(c)).length, before + 1, 'one event');

    const unconditional = await Promise.all(
      [1, 2, 3].map((n) =>
        c.app.inject({
          method: 'PATCH',
          url: `/products/${created.id}`,
          headers: c.admin,
          payload: { price: { amount: `${n}.00`, currency: 'EUR' } },
        }),
      ),
    );
    t.same(
      unconditional.map((r) => r.statusCode),
      [200, 200, 200],
      'without If-Match each write applies in turn',
    );
    t.same(unconditional.map((r) => r.json().version).sort(), [3, 4, 5], 'no version is lost');
  });

  t.test('a duplicate name is a 409 (case-insensitive), on create and on update', async (t) => {
    const a = await createProduct(c, bookBody());
    const b = await createProduct(c, bookBody());
    const count = await productCount(c);
    const events = await outboxTypes(c);
    const dupCreate = await c.app.inject({
      method: 'POST',
      url: '/products',
      headers: c.admin,
      payload: bookBody({ name: a.name.toUpperCase() }),
    });
    t.equal(dupCreate.statusCode, 409);
    t.match(dupCreate.json(), { type: 'https://mercato.dev/problems/conflict' });
    const dupUpdate = await c.app.inject({
      method: 'PATCH',
      url: `/products/${b.id}`,
      headers: c.admin,
      payload: { name: a.name },
    });
    t.equal(dupUpdate.statusCode, 409);
    t.equal(await productCount(c), count);
    t.same(await outboxTypes(c), events);
    t.equal((await c.app.inject({ url: `/products/${b.id}` })).json().name, b.name);
  });

  t.test('catalog rules: unknown category and a book without ISBN are 422', async (t) => {
    const count = await productCount(c);
    const unknown = await c.app.inject({
      method: 'POST',
      url: '/products',
      headers: c.admin,
      payload: bookBody({ category: 'no-such-category' }),
    });
    t.equal(unknown.statusCode, 422);
    t.match(unknown.json().detail, /no-such-category/);
    const noIsbn = await c.app.inject({
      method: 'POST',
      url: '/products',
      headers: c.admin,
      payload: bookBody({ attributes: { author: 'Someone' } }),
    });
    t.equal(noIsbn.statusCode, 422);
    t.same(noIsbn.json().violations, ['a book needs attributes.isbn']);
    const badIsbn = await c.app.inject({
      method: 'POST',
      url: '/products',
      headers: c.admin,
      payload: bookBody({ attributes: { author: 'Someone', isbn: '978-0-261-10221-8' } }),
    });
    t.equal(badIsbn.statusCode, 422);
    const game = await createProduct(c, bookBody({ category: 'games', attributes: {} }));
    const intoBooks = await c.app.inject({
      method: 'PATCH',
      url: `/products/${game.id}`,
      headers: c.admin,
      payload: { category: 'books' },
    });
    t.equal(intoBooks.statusCode, 422, 'a product without author cannot become a book');
    t.equal(await productCount(c), count + 1);
  });

  t.test('DELETE removes: 204, then 404', async (t) => {
    const created = await createProduct(c, bookBody());
    const del = await c.app.inject({
      method: 'DELETE',
      url: `/products/${created.id}`,
      headers: { ...c.admin, 'if-match': '"1"' },
    });
    t.equal(del.statusCode, 204);
    t.equal((await c.app.inject({ url: `/products/${created.id}` })).statusCode, 404);
    const again = await c.app.inject({ method: 'DELETE', url: `/products/${created.id}`, headers: c.admin });
    t.equal(again.statusCode, 404);
    const patch = await c.app.inject({
      method: 'PATCH',
      url: `/products/${created.id}`,
      headers: c.admin,
      payload: { active: true },
    });
    t.equal(patch.statusCode, 404);
  });
});

t.test('GET /products: paged, filtered by category, price range and active, sorted', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books');
  await createCategory(c, 'games');
  const made = [
    { name: 'Alpha', category: 'games', price: '5.00', active: true },
    { name: 'bravo', category: 'books', price: '12.50', active: true },
    { name: 'Charlie', category: 'books', price: '12.49', active: false },
    { name: 'Delta', category: 'games', price: '100.00', active: true },
    { name: 'echo', category: 'books', price: '0.99', active: true },
  ];
  for (const m of made) {
    await createProduct(
      c,
      bookBody({
        name: m.name,
        category: m.category,
        price: { amount: m.price, currency: 'EUR' },
        active: m.active,
        attributes: m.category === 'books' ? { author: 'X', isbn: '9780441172719' } : {},
      }),
    );
  }
  const names = async (qs: string) => {
    const res = await c.app.inject({ url: `/products?${qs}` });
    t.equal(res.statusCode, 200, qs);
    return res.json().items.map((p: { name: string }) => p.name);
  };

  t.same(
    await names(''),
    ['Alpha', 'bravo', 'Charlie', 'Delta', 'echo'],
    'by name, case-insensitive, by default',
  );
  t.same(await names('sort=name&order=desc'), ['echo', 'Delta', 'Charlie', 'bravo', 'Alpha']);
  t.same(await names('sort=price'), ['echo', 'Alpha', 'Charlie', 'bravo', 'Delta'], 'numeric, not textual');
  t.same(await names('sort=price&order=desc'), ['Delta', 'bravo', 'Charlie', 'Alpha', 'echo']);
  t.same(await names('sort=createdAt&order=desc'), ['echo', 'Delta', 'Charlie', 'bravo', 'Alpha']);
  t.same(await names('category=books'), ['bravo', 'Charlie', 'echo']);
  t.same(await names('minPrice=5&maxPrice=12.49'), ['Alpha', 'Charlie'], 'bounds are inclusive');
  t.same(await names('minPrice=12.5'), ['bravo', 'Delta']);
  t.same(await names('active=false'), ['Charlie']);
  t.same(await names('active=true&category=books&sort=price'), ['echo', 'bravo']);
  t.same(await names('category=games&maxPrice=1'), []);

  const page2 = await c.app.inject({ url: '/products?page=2&pageSize=2' });
  t.match(page2.json(), { page: 2, pageSize: 2, total: 5 });
  t.same(
    page2.json().items.map((p: { name: string }) => p.name),
    ['Charlie', 'Delta'],
  );
  const beyond = await c.app.inject({ url: '/products?page=9&pageSize=2' });
  t.match(beyond.json(), { items: [], total: 5 });

  const inverted = await c.app.inject({ url: '/products?minPrice=10&maxPrice=9.99' });
  t.equal(inverted.statusCode, 400);
  t.match(inverted.headers['content-type'], /application\/problem\+json/);
});
