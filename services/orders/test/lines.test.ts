import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { eventually, PROBLEM, placeOrder, setup } from './helpers.ts';

t.test('lines change while PENDING: total recomputed, revision + 1, order.lines_changed', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '19.99', currency: 'EUR' } });
  const pen = await s.seedProduct({ price: { amount: '0.35', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: book.productId, quantity: 1 }]);
  const auth = s.bearer(s.customer.token);

  const added = await s.app.inject({
    method: 'POST',
    url: `/orders/${order.id}/items`,
    headers: { ...auth, 'if-match': `"${order.version}"` },
    payload: { productId: pen.productId, quantity: 3 },
  });
  t.equal(added.statusCode, 201, added.body);
  t.match(added.json(), { revision: 2, total: { amount: '21.04', currency: 'EUR' } });
  t.equal(added.json().lines.length, 2);
  t.equal(added.headers.etag, `"${added.json().version}"`);
  const penLine = added.json().lines.find((l: any) => l.productId === pen.productId);

  const more = await s.app.inject({
    method: 'POST',
    url: `/orders/${order.id}/items`,
    headers: auth,
    payload: { productId: book.productId, quantity: 1 },
  });
  t.equal(more.statusCode, 201);
  t.equal(more.json().lines.length, 2, 'the same product adds to its line');
  t.match(more.json(), { revision: 3, total: { amount: '41.03' } });

  const stale = await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}/items/${penLine.id}`,
    headers: { ...auth, 'if-match': added.headers.etag as string },
    payload: { quantity: 10 },
  });
  t.equal(stale.statusCode, 412, 'a stale If-Match');

  const updated = await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}/items/${penLine.id}`,
    headers: { ...auth, 'if-match': more.headers.etag as string },
    payload: { quantity: 10 },
  });
  t.equal(updated.statusCode, 200);
  t.match(updated.json(), { revision: 4, total: { amount: '43.48' } });

  const removed = await s.app.inject({
    method: 'DELETE',
    url: `/orders/${order.id}/items/${penLine.id}`,
    headers: auth,
  });
  t.equal(removed.statusCode, 200);
  t.match(removed.json(), { revision: 5, total: { amount: '39.98' } });
  t.equal(removed.json().lines.length, 1);

  const last = removed.json().lines[0].id;
  const lastOne = await s.app.inject({
    method: 'DELETE',
    url: `/orders/${order.id}/items/${last}`,
    headers: auth,
  });
  t.equal(lastOne.statusCode, 409, 'the last line stays: cancel the order instead');

  const changes = await eventually(async () => {
    const found = s.events.of('order.lines_changed', order.id);
    if (found.length !== 4) throw new Error(`seen ${found.length}`);
    return found;
  });
  t.same(changes.map((e) => (e.data as any).revision).sort(), [2, 3, 4, 5]);
  const final = changes.find((e) => (e.data as any).revision === 5)!;
  t.match(final.data, {
    orderId: order.id,
    total: { amount: '39.98', currency: 'EUR' },
    lines: [{ productId: book.productId, quantity: 2, unitPrice: { amount: '19.99', currency: 'EUR' } }],
    paymentMethod: { type: 'card', token: 'tok_visa' },
  });
});

t.test('lines cannot change once the order left PENDING; bad input changes nothing', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '10.00', currency: 'EUR' } });
  const usd = await s.seedProduct({ price: { amount: '10.00', currency: 'USD' } });
  const inactive = await s.seedProduct({ price: { amount: '10.00', currency: 'EUR' }, active: false });
  const order = await placeOrder(s, s.customer.token, [{ productId: book.productId, quantity: 1 }]);
  const itemId = order.lines[0].id;
  const auth = s.bearer(s.customer.token);
  const before = await s.counts();

  const cases: [string, string, unknown, number, string][] = [
    ['POST', `/orders/${order.id}/items`, { productId: uuidv7(), quantity: 1 }, 422, 'unknown product'],
    ['POST', `/orders/${order.id}/items`, { productId: inactive.productId, quantity: 1 }, 422, 'inactive'],
    ['POST', `/orders/${order.id}/items`, { productId: usd.productId, quantity: 1 }, 422, 'other currency'],
    ['POST', `/orders/${order.id}/items`, { productId: book.productId, quantity: 0 }, 400, 'zero'],
    ['POST', `/orders/${order.id}/items`, { productId: book.productId }, 400, 'no quantity'],
    ['POST', `/orders/${order.id}/items`, { productId: 'x', quantity: 1 }, 400, 'bad product id'],
    [
      'POST',
      `/orders/${order.id}/items`,
      { productId: book.productId, quantity: 10_000 },
      422,
      'over the cap',
    ],
    ['POST', `/orders/${uuidv7()}/items`, { productId: book.productId, quantity: 1 }, 404, 'no order'],
    ['PUT', `/orders/${order.id}/items/${itemId}`, { quantity: -1 }, 400, 'negative'],
    ['PUT', `/orders/${order.id}/items/${itemId}`, { quantity: 2, price: '1' }, 400, 'extra field'],
    ['PUT', `/orders/${order.id}/items/${uuidv7()}`, { quantity: 2 }, 404, 'no such line'],
    ['PUT', `/orders/${order.id}/items/nope`, { quantity: 2 }, 400, 'bad item id'],
    ['DELETE', `/orders/${order.id}/items/${uuidv7()}`, undefined, 404, 'delete no such line'],
  ];
  for (const [method, url, payload, status, name] of cases) {
    const res = await s.app.inject({
      method: method as 'POST',
      url,
      headers: auth,
      ...(payload ? { payload: payload as object } : {}),
    });
    t.equal(res.statusCode, status, name);
    t.equal(res.headers['content-type'], PROBLEM, name);
  }
  const foreign = await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}/items/${itemId}`,
    headers: s.bearer(s.other.token),
    payload: { quantity: 5 },
  });
  t.equal(foreign.statusCode, 404, "another customer's order");
  t.same(await s.counts(), before, 'nothing written');

  await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}`,
    headers: s.bearer(s.admin.token),
    payload: { status: 'CONFIRMED' },
  });
  const late = await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}/items/${itemId}`,
    headers: auth,
    payload: { quantity: 5 },
  });
  t.equal(late.statusCode, 409);
  t.equal(late.headers['content-type'], PROBLEM);
  const lateAdd = await s.app.inject({
    method: 'POST',
    url: `/orders/${order.id}/items`,
    headers: auth,
    payload: { productId: book.productId, quantity: 1 },
  });
  t.equal(lateAdd.statusCode, 409);
  const now = await s.app.inject({ method: 'GET', url: `/orders/${order.id}`, headers: auth });
  t.match(now.json(), { revision: 1, total: { amount: '10.00' }, lines: [{ quantity: 1 }] });
});
