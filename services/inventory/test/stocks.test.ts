import { startTcpProxy, TEST_REDIS_URL, uniqueName } from '@mercato/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { StockCache } from '../src/persistence/stock-cache.ts';
import { bearer, seedStock, setup } from './helpers.ts';

t.test('stocks: create, list with filters, update with ETag / If-Match', async (t) => {
  const h = await setup(t, { messaging: false });
  const admin = bearer(h.adminToken);
  const productA = uuidv7();
  const productB = uuidv7();
  const { storeId, stockId } = await seedStock(h, productA, 10, { lowStockThreshold: 2 });
  await seedStock(h, productB, 4);

  const row = await h.app.inject({ url: `/stocks?productId=${productA}`, headers: admin });
  t.equal(row.statusCode, 200);
  t.match(row.json(), {
    total: 1,
    items: [
      { id: stockId, productId: productA, storeId, onHand: 10, reserved: 0, available: 10, version: 1 },
    ],
  });
  t.equal((await h.app.inject({ url: `/stocks?storeId=${storeId}`, headers: admin })).json().total, 1);
  t.equal((await h.app.inject({ url: '/stocks?pageSize=1', headers: admin })).json().items.length, 1);
  t.equal((await h.app.inject({ url: '/stocks', headers: admin })).json().total, 2);

  const dup = await h.app.inject({
    method: 'POST',
    url: '/stocks',
    headers: admin,
    payload: { productId: productA, storeId, onHand: 1 },
  });
  t.equal(dup.statusCode, 409);

  const patched = await h.app.inject({
    method: 'PATCH',
    url: `/stocks/${stockId}`,
    headers: { ...admin, 'if-match': '"1"' },
    payload: { onHand: 12 },
  });
  t.equal(patched.statusCode, 200);
  t.match(patched.json(), { onHand: 12, available: 12, lowStockThreshold: 2, version: 2 });
  t.equal(patched.headers.etag, '"2"');

  const stale = await h.app.inject({
    method: 'PUT',
    url: `/stocks/${stockId}`,
    headers: { ...admin, 'if-match': '"1"' },
    payload: { onHand: 1, lowStockThreshold: 0 },
  });
  t.equal(stale.statusCode, 412);
  t.match(stale.headers['content-type'], /^application\/problem\+json/);

  const put = await h.app.inject({
    method: 'PUT',
    url: `/stocks/${stockId}`,
    headers: { ...admin, 'if-match': '"2"' },
    payload: { onHand: 7, lowStockThreshold: 1 },
  });
  t.equal(put.statusCode, 200);
  t.match(put.json(), { onHand: 7, lowStockThreshold: 1, version: 3 });
});

t.test('GET /stocks/{productId}: totals for anyone, per store for admins', async (t) => {
  const h = await setup(t, { messaging: false });
  const product = uuidv7();
  const a = await seedStock(h, product, 10, { lowStockThreshold: 3 });
  const b = await seedStock(h, product, 4, { lowStockThreshold: 1 });
  await h.sql('update stock set reserved = 2 where id = $1', [a.stockId]);

  const res = await h.app.inject({ url: `/stocks/${product}`, headers: bearer(h.adminToken) });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, {
    productId: product,
    onHand: 14,
    reserved: 2,
    available: 12,
    lowStockThreshold: 4,
    low: false,
    availability: 'in_stock',
  });
  t.same(
    body.stores.map((s: { stockId: string; available: number }) => [s.stockId, s.available]).sort(),
    [
      [a.stockId, 8],
      [b.stockId, 4],
    ].sort(),
  );
  // Anonymous callers and customers: what a shop window shows, nothing about stores or holds.
  for (const headers of [{}, bearer(h.customerToken)]) {
    const shown = await h.app.inject({ url: `/stocks/${product}`, headers });
    t.equal(shown.statusCode, 200);
    t.same(shown.json(), { productId: product, available: 12, availability: 'in_stock' });
  }
  const unknown = await h.app.inject({ url: `/stocks/${uuidv7()}` });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().type, 'https://mercato.dev/problems/not-found');
  // A token that comes along is checked: a bad one is refused rather than read as anonymous.
  const bad = await h.app.inject({ url: `/stocks/${product}`, headers: { authorization: 'Bearer nope' } });
  t.equal(bad.statusCode, 401);

  // low at or below the sum of the thresholds, out_of_stock at 0.
  await h.sql('update stock set reserved = 8 where id = $1', [a.stockId]);
  await h.sql('update stock set reserved = 2 where id = $1', [b.stockId]);
  await h.app.stockCache.invalidate([product]);
  t.match((await h.app.inject({ url: `/stocks/${product}` })).json(), { available: 4, availability: 'low' });
  await h.sql('update stock set reserved = on_hand where product_id = $1', [product]);
  await h.app.stockCache.invalidate([product]);
  t.match((await h.app.inject({ url: `/stocks/${product}` })).json(), {
    available: 0,
    availability: 'out_of_stock',
  });
});

t.test('GET /stocks/{productId} is cached in Redis and invalidated by a write', async (t) => {
  const h = await setup(t, { messaging: false });
  const product = uuidv7();
  const { stockId } = await seedStock(h, product, 10);
  const read = () => h.app.inject({ url: `/stocks/${product}`, headers: bearer(h.adminToken) });

  t.equal((await read()).headers['x-cache'], 'miss');
  // A change behind the service's back is not seen while the cached answer lives: it is a cache.
  await h.sql('update stock set on_hand = 99 where id = $1', [stockId]);
  const hit = await read();
  t.equal(hit.headers['x-cache'], 'hit');
  t.equal(hit.json().onHand, 10);

  const patched = await h.app.inject({
    method: 'PATCH',
    url: `/stocks/${stockId}`,
    headers: bearer(h.adminToken),
    payload: { onHand: 20 },
  });
  t.equal(patched.statusCode, 200);
  const fresh = await read();
  t.equal(fresh.headers['x-cache'], 'miss');
  t.equal(fresh.json().onHand, 20);
});

t.test('Redis down: GET /stocks/{productId} answers from PostgreSQL', async (t) => {
  const redisUrl = new URL(TEST_REDIS_URL);
  const proxy = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
  t.teardown(() => proxy.close());
  const h = await setup(t, { messaging: false, overrides: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
  const product = uuidv7();
  const { stockId } = await seedStock(h, product, 10);
  const read = () => h.app.inject({ url: `/stocks/${product}`, headers: bearer(h.adminToken) });
  t.equal((await read()).json().onHand, 10);
  t.equal((await read()).headers['x-cache'], 'hit');

  proxy.cut();
  const patched = await h.app.inject({
    method: 'PATCH',
    url: `/stocks/${stockId}`,
    headers: bearer(h.adminToken),
    payload: { onHand: 30 },
  });
  t.equal(patched.statusCode, 200, 'writes work without Redis');
  const res = await read();
  t.equal(res.statusCode, 200);
  t.equal(res.json().onHand, 30, 'the level comes from PostgreSQL');
  t.equal(res.headers['x-cache'], 'miss');
  t.equal((await h.app.inject({ url: '/readyz' })).statusCode, 200, 'still ready without its cache');
});

t.test('stocks: bad input and missing rights get problem+json and change nothing', async (t) => {
  const h = await setup(t, { messaging: false });
  const admin = bearer(h.adminToken);
  const customer = bearer(h.customerToken);
  const product = uuidv7();
  const { storeId, stockId } = await seedStock(h, product, 5);
  await h.sql('update stock set reserved = 3 where id = $1', [stockId]);
  const snapshot = async () => h.sql('select * from stock order by id');
  const before = await snapshot();
  const outboxBefore = await h.sql('select count(*)::int as n from outbox');

  const cases: [string, string, Record<string, string>, unknown, number][] = [
    ['POST', '/stocks', admin, { productId: product, storeId }, 400],
    ['POST', '/stocks', admin, { productId: 'x', storeId, onHand: 1 }, 400],
    ['POST', '/stocks', admin, { productId: uuidv7(), storeId, onHand: -1 }, 400],
    ['POST', '/stocks', admin, { productId: uuidv7(), storeId, onHand: 1.5 }, 400],
    ['POST', '/stocks', admin, { productId: uuidv7(), storeId, onHand: '3' }, 400],
    ['POST', '/stocks', admin, { productId: uuidv7(), storeId, onHand: 1, reserved: 1 }, 400],
    ['POST', '/stocks', admin, { productId: uuidv7(), storeId: uuidv7(), onHand: 1 }, 422],
    ['POST', '/stocks', admin, { productId: product, storeId, onHand: 1 }, 409],
    ['PATCH', `/stocks/${stockId}`, admin, { onHand: 2 }, 422],
    ['PATCH', `/stocks/${stockId}`, admin, {}, 400],
    ['PATCH', `/stocks/${stockId}`, admin, { productId: uuidv7() }, 400],
    ['PUT', `/stocks/${stockId}`, admin, { onHand: 9 }, 400],
    ['PUT', `/stocks/${uuidv7()}`, admin, { onHand: 9, lowStockThreshold: 0 }, 404],
    ['PUT', '/stocks/nope', admin, { onHand: 9, lowStockThreshold: 0 }, 400],
    ['PATCH', `/stocks/${stockId}`, { ...admin, 'if-match': '"7"' }, { onHand: 9 }, 412],
    ['GET', '/stocks?productId=nope', admin, undefined, 400],
    ['GET', '/stocks?page=0', admin, undefined, 400],
    ['GET', '/stocks/nope', customer, undefined, 400],
    ['GET', '/stocks', customer, undefined, 403],
    ['POST', '/stocks', customer, { productId: uuidv7(), storeId, onHand: 1 }, 403],
    ['PATCH', `/stocks/${stockId}`, customer, { onHand: 9 }, 403],
    ['PATCH', `/stocks/${stockId}`, {}, { onHand: 9 }, 401],
    ['GET', '/stocks', {}, undefined, 401],
    ['GET', '/stocks/nope', {}, undefined, 400],
    ['PUT', '/stocks/nope', customer, { onHand: -1 }, 403],
  ];
  for (const [method, url, headers, payload, status] of cases) {
    const res = await h.app.inject({ method: method as 'GET', url, headers, payload: payload as object });
    t.equal(res.statusCode, status, `${method} ${url} ${JSON.stringify(payload)} → ${status}`);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
    t.equal(res.json().status, status);
  }
  t.same(await snapshot(), before, 'no stock row changed');
  t.same(await h.sql('select count(*)::int as n from outbox'), outboxBefore, 'no event emitted');
});

t.test('stocks: an admin change that takes a product to its threshold emits stock.low', async (t) => {
  const h = await setup(t, { messaging: false });
  const product = uuidv7();
  const { stockId } = await seedStock(h, product, 10, { lowStockThreshold: 3 });
  const patch = (onHand: number) =>
    h.app.inject({
      method: 'PATCH',
      url: `/stocks/${stockId}`,
      headers: bearer(h.adminToken),
      payload: { onHand },
    });
  t.equal((await patch(5)).statusCode, 200);
  t.same(await h.sql("select payload->'data' as data from outbox where type = 'stock.low'"), []);
  t.equal((await patch(3)).statusCode, 200);
  t.equal((await patch(2)).statusCode, 200);
  t.same(await h.sql("select payload->'data' as data from outbox where type = 'stock.low'"), [
    { data: { productId: product, available: 3, threshold: 3 } },
  ]);
});

t.test('a level read before a change and stored after it is never served', async (t) => {
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `${uniqueName('t_inv_cache')}:`;
  t.teardown(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  await new Promise((r) => redis.once('ready', r));
  const cache = new StockCache({
    redis,
    prefix,
    ttlSeconds: 30,
    log: pino({ level: 'silent' }),
  });
  const product = uuidv7();
  const before = await cache.get<{ onHand: number }>(product);
  t.equal(before?.hit, undefined);
  // The slow reader has fetched onHand 10 from PostgreSQL; meanwhile a change commits (onHand 4).
  await cache.invalidate([product]);
  await cache.set(product, before!.generation, { onHand: 10 });
  const after = await cache.get<{ onHand: number }>(product);
  t.equal(after?.hit, undefined, 'the outdated level is a miss');
  await cache.set(product, after!.generation, { onHand: 4 });
  t.same((await cache.get<{ onHand: number }>(product))?.hit, { onHand: 4 });
});
