import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { PROBLEM, placeOrder, setup } from './helpers.ts';

t.test('customers see only their own orders; admins see all, filtered and paged', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const mine = [];
  for (let i = 0; i < 3; i++)
    mine.push(await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]));
  const theirs = await placeOrder(s, s.other.token, [{ productId: p.productId, quantity: 2 }]);
  const get = (url: string, token: string) => s.app.inject({ method: 'GET', url, headers: s.bearer(token) });

  const own = await get('/orders', s.customer.token);
  t.equal(own.statusCode, 200);
  t.equal(own.json().total, 3);
  t.same(
    own.json().items.map((o: any) => o.id),
    mine.map((o) => o.id).reverse(),
    'newest first, only mine',
  );

  const paged = await get('/orders?page=2&pageSize=2', s.customer.token);
  t.match(paged.json(), { page: 2, pageSize: 2, total: 3 });
  t.same(
    paged.json().items.map((o: any) => o.id),
    [mine[0].id],
  );

  const notMine = await get(`/orders/${theirs.id}`, s.customer.token);
  t.equal(notMine.statusCode, 404, "another customer's order does not exist for me");
  t.equal(notMine.headers['content-type'], PROBLEM);
  t.equal((await get(`/orders/${theirs.id}/status`, s.customer.token)).statusCode, 404);
  t.equal((await get(`/orders/${uuidv7()}`, s.customer.token)).statusCode, 404);
  t.equal((await get(`/orders?userId=${s.other.id}`, s.customer.token)).statusCode, 403);

  const all = await get('/orders', s.admin.token);
  t.equal(all.json().total, 4, 'an admin sees everybody');
  const byUser = await get(`/orders?userId=${s.other.id}`, s.admin.token);
  t.same(
    byUser.json().items.map((o: any) => o.id),
    [theirs.id],
  );
  await s.app.inject({
    method: 'POST',
    url: `/orders/${mine[1].id}/cancel`,
    headers: s.bearer(s.customer.token),
  });
  const cancelled = await get('/orders?status=CANCELLED', s.admin.token);
  t.same(
    cancelled.json().items.map((o: any) => o.id),
    [mine[1].id],
  );
  const pendingMine = await get(`/orders?status=PENDING&userId=${s.customer.id}`, s.admin.token);
  t.equal(pendingMine.json().total, 2);

  const one = await get(`/orders/${theirs.id}`, s.admin.token);
  t.equal(one.statusCode, 200);
  t.equal(one.json().total.amount, '10.00');
  t.equal(one.headers.etag, `"${one.json().version}"`);
});

t.test('order history per user: own or admin', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const a = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const b = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  await placeOrder(s, s.other.token, [{ productId: p.productId, quantity: 1 }]);
  const get = (url: string, token: string) => s.app.inject({ method: 'GET', url, headers: s.bearer(token) });

  const own = await get(`/orders/history/${s.customer.id}`, s.customer.token);
  t.equal(own.statusCode, 200);
  t.same(
    own.json().items.map((o: any) => o.id),
    [b.id, a.id],
  );
  const asAdmin = await get(`/orders/history/${s.customer.id}?pageSize=1`, s.admin.token);
  t.match(asAdmin.json(), { total: 2, pageSize: 1, items: [{ id: b.id }] });
  const foreign = await get(`/orders/history/${s.other.id}`, s.customer.token);
  t.equal(foreign.statusCode, 403);
  t.equal(foreign.headers['content-type'], PROBLEM);
});

t.test('bad input to the read routes is a 4xx problem', async (t) => {
  const s = await setup(t);
  const cases: [string, number][] = [
    ['/orders/not-a-uuid', 400],
    ['/orders/not-a-uuid/status', 400],
    ['/orders/history/not-a-uuid', 400],
    ['/orders?page=0', 400],
    ['/orders?pageSize=101', 400],
    ['/orders?status=LOST', 400],
    ['/orders?userId=nope', 400],
    ['/orders?sort=evil', 400],
  ];
  for (const [url, status] of cases) {
    const res = await s.app.inject({ method: 'GET', url, headers: s.bearer(s.admin.token) });
    t.equal(res.statusCode, status, url);
    t.equal(res.headers['content-type'], PROBLEM, url);
  }
  for (const url of [
    '/orders',
    `/orders/${uuidv7()}`,
    `/orders/${uuidv7()}/status`,
    `/orders/history/${uuidv7()}`,
  ]) {
    const res = await s.app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 401, `${url} without a token`);
  }
});
