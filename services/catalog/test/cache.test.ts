import net from 'node:net';
import { eventually, startTcpProxy } from '@mercato/testing';
import t from 'tap';
import { bookBody, type Catalog, createCategory, createProduct, startCatalog } from './helpers.ts';

/** Changes a row behind the service's back: only a cached answer can still show the old value. */
async function changeBehindTheCache(c: Catalog, id: string, description: string) {
  await c.app.orm.em.fork().execute('update product set description = ? where id = ?', [description, id]);
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test('hot reads come from Redis until the catalog writes', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books');
  const product = await createProduct(c, bookBody({ name: 'Cached Hobbit', description: 'original' }));

  t.test('product by id', async (t) => {
    t.equal((await c.app.inject({ url: `/products/${product.id}` })).json().description, 'original');
    await changeBehindTheCache(c, product.id, 'changed behind the cache');
    const cached = await c.app.inject({ url: `/products/${product.id}` });
    t.equal(cached.json().description, 'original', 'served from the cache');
    t.equal(cached.headers.etag, '"1"');

    const patch = await c.app.inject({
      method: 'PATCH',
      url: `/products/${product.id}`,
      headers: c.admin,
      payload: { price: { amount: '15.00', currency: 'EUR' } },
    });
    t.equal(patch.statusCode, 200);
    const fresh = await c.app.inject({ url: `/products/${product.id}` });
    t.match(fresh.json(), {
      description: 'changed behind the cache',
      price: { amount: '15.00' },
      version: 2,
    });
    t.equal(fresh.headers.etag, '"2"');
  });

  t.test('search and list pages', async (t) => {
    const before = await c.app.inject({ url: '/products/search?q=hobbit' });
    t.equal(before.json().total, 1);
    const listBefore = await c.app.inject({ url: '/products?category=books' });
    t.equal(listBefore.json().total, 1);
    await c.app.orm.em
      .fork()
      .execute(
        `insert into product (id, name, category, price, currency, attributes) values (gen_random_uuid(), 'Hobbit Behind', 'books', 1, 'EUR', '{"author":"x","isbn":"9780261102217"}')`,
      );
    t.equal((await c.app.inject({ url: '/products/search?q=hobbit' })).json().total, 1, 'cached page');
    t.equal((await c.app.inject({ url: '/products?category=books' })).json().total, 1, 'cached page');

    await createProduct(c, bookBody({ name: 'Hobbit Companion' }));
    t.equal(
      (await c.app.inject({ url: '/products/search?q=hobbit' })).json().total,
      3,
      'a write invalidates',
    );
    t.equal((await c.app.inject({ url: '/products?category=books' })).json().total, 3);
    t.equal((await c.app.inject({ url: '/products/search?q=hobbit&pageSize=1' })).json().items.length, 1);
  });

  t.test('a delete invalidates the product', async (t) => {
    const gone = await createProduct(c, bookBody());
    t.equal((await c.app.inject({ url: `/products/${gone.id}` })).statusCode, 200);
    const del = await c.app.inject({ method: 'DELETE', url: `/products/${gone.id}`, headers: c.admin });
    t.equal(del.statusCode, 204);
    t.equal((await c.app.inject({ url: `/products/${gone.id}` })).statusCode, 404);
  });
});

t.test('with Redis unreachable from the start, every route answers from PostgreSQL', async (t) => {
  const c = await startCatalog(t, { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
  await createCategory(c, 'books');
  const product = await createProduct(c, bookBody({ name: 'Uncached Hobbit' }));
  const read = await c.app.inject({ url: `/products/${product.id}` });
  t.equal(read.statusCode, 200);
  t.equal(read.headers.etag, '"1"');
  await changeBehindTheCache(c, product.id, 'seen at once');
  t.equal((await c.app.inject({ url: `/products/${product.id}` })).json().description, 'seen at once');
  t.equal((await c.app.inject({ url: '/products/search?q=hobit' })).json().total, 1);
  t.equal((await c.app.inject({ url: '/products' })).json().total, 1);
  t.equal((await c.app.inject({ url: '/products/categories' })).statusCode, 200);
  const patch = await c.app.inject({
    method: 'PATCH',
    url: `/products/${product.id}`,
    headers: { ...c.admin, 'if-match': '"1"' },
    payload: { active: false },
  });
  t.equal(patch.statusCode, 200);
  const del = await c.app.inject({ method: 'DELETE', url: `/products/${product.id}`, headers: c.admin });
  t.equal(del.statusCode, 204);
  t.equal((await c.app.inject({ url: '/healthz' })).statusCode, 200);
  t.equal((await c.app.inject({ url: '/readyz' })).statusCode, 200, 'Redis does not decide readiness');
});

t.test(
  'Redis cut while running: reads and writes go on, and writes made meanwhile win afterwards',
  async (t) => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
    t.teardown(() => proxy.close());
    const c = await startCatalog(t, { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    await createCategory(c, 'books');
    const product = await createProduct(c, bookBody({ name: 'Proxied Hobbit', description: 'before' }));
    // Warm the cache, and prove it is warm.
    await c.app.inject({ url: `/products/${product.id}` });
    await c.app.inject({ url: '/products/search?q=proxied' });
    await changeBehindTheCache(c, product.id, 'behind');
    t.equal((await c.app.inject({ url: `/products/${product.id}` })).json().description, 'before');

    proxy.cut();
    const during = await c.app.inject({ url: `/products/${product.id}` });
    t.equal(during.statusCode, 200);
    t.equal(during.json().description, 'behind', 'PostgreSQL answers');
    const patch = await c.app.inject({
      method: 'PATCH',
      url: `/products/${product.id}`,
      headers: c.admin,
      payload: { description: 'written during the outage' },
    });
    t.equal(patch.statusCode, 200);
    t.equal((await c.app.inject({ url: '/products/search?q=outage' })).json().total, 1);

    await proxy.restore();
    // Wait until the cache serves again: a probe changed behind the cache still reads as cached.
    const probe = await createProduct(c, bookBody({ description: 'probe' }));
    await eventually(
      async () => {
        await c.app.inject({ url: `/products/${probe.id}` });
        await changeBehindTheCache(c, probe.id, 'probe changed');
        const res = await c.app.inject({ url: `/products/${probe.id}` });
        await changeBehindTheCache(c, probe.id, 'probe');
        if (res.json().description !== 'probe') throw new Error('cache not back yet');
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const after = await c.app.inject({ url: `/products/${product.id}` });
    t.equal(
      after.json().description,
      'written during the outage',
      'the entry cached before the outage is gone',
    );
    const page = await c.app.inject({ url: '/products/search?q=proxied' });
    t.equal(page.json().items[0]?.description, 'written during the outage', 'so are the pages');
  },
);
