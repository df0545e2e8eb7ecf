import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { eventually, PROBLEM, placeOrder, setup } from './helpers.ts';

t.test('an admin moves an order along the status machine; each step is recorded and announced', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const put = (status: string, ifMatch?: string, token = s.admin.token) =>
    s.app.inject({
      method: 'PUT',
      url: `/orders/${order.id}`,
      headers: { ...s.bearer(token), ...(ifMatch ? { 'if-match': ifMatch } : {}) },
      payload: { status },
    });

  const confirmed = await put('CONFIRMED', `"${order.version}"`);
  t.equal(confirmed.statusCode, 200, confirmed.body);
  t.equal(confirmed.json().status, 'CONFIRMED');
  t.ok(confirmed.json().version > order.version, 'the version moved on');
  t.equal(confirmed.headers.etag, `"${confirmed.json().version}"`);

  const stale = await put('SHIPPED', `"${order.version}"`);
  t.equal(stale.statusCode, 412, 'a stale If-Match');
  t.equal(stale.headers['content-type'], PROBLEM);

  const backwards = await put('PENDING');
  t.equal(backwards.statusCode, 409, 'CONFIRMED → PENDING is illegal');
  t.match(backwards.json(), { status: 409, from: 'CONFIRMED', to: 'PENDING' });

  t.equal((await put('SHIPPED', confirmed.headers.etag as string)).statusCode, 200);
  t.equal((await put('DELIVERED')).statusCode, 200);
  const late = await put('CANCELLED');
  t.equal(late.statusCode, 409, 'a delivered order cannot be cancelled');

  const history = await s.app.inject({
    method: 'GET',
    url: `/orders/${order.id}/status`,
    headers: s.bearer(s.customer.token),
  });
  t.same(
    history.json().history.map((h: any) => [h.from, h.to]),
    [
      [null, 'PENDING'],
      ['PENDING', 'CONFIRMED'],
      ['CONFIRMED', 'SHIPPED'],
      ['SHIPPED', 'DELIVERED'],
    ],
  );
  t.equal(history.json().status, 'DELIVERED');
  t.ok(
    history.json().history.every((h: any) => typeof h.at === 'string' && h.cause),
    'time and cause each',
  );

  await eventually(async () => {
    for (const type of ['order.confirmed', 'order.shipped', 'order.delivered']) {
      if (s.events.of(type, order.id).length !== 1) throw new Error(`${type} not seen once`);
    }
  });
  t.match(s.events.of('order.confirmed', order.id)[0]!.data, {
    orderId: order.id,
    userId: s.customer.id,
    revision: 1,
    total: { amount: '5.00', currency: 'EUR' },
  });
  t.match(s.events.of('order.shipped', order.id)[0]!.data, {
    status: 'SHIPPED',
    previousStatus: 'CONFIRMED',
  });
});

t.test('only admins change status or delete; bad input changes nothing', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const before = await s.counts();
  const forbidden = await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}`,
    headers: s.bearer(s.customer.token),
    payload: { status: 'CONFIRMED' },
  });
  t.equal(forbidden.statusCode, 403);
  t.equal(forbidden.headers['content-type'], PROBLEM);
  const cases: [string, string, unknown, number][] = [
    ['PUT', `/orders/${order.id}`, { status: 'LOST' }, 400],
    ['PUT', `/orders/${order.id}`, {}, 400],
    ['PUT', `/orders/${order.id}`, { status: 'CONFIRMED', note: 'x' }, 400],
    ['PUT', '/orders/nope', { status: 'CONFIRMED' }, 400],
    ['PUT', `/orders/${uuidv7()}`, { status: 'CONFIRMED' }, 404],
    ['DELETE', '/orders/nope', undefined, 400],
    ['DELETE', `/orders/${uuidv7()}`, undefined, 404],
  ];
  for (const [method, url, payload, status] of cases) {
    const res = await s.app.inject({
      method: method as 'PUT',
      url,
      headers: s.bearer(s.admin.token),
      ...(payload ? { payload: payload as object } : {}),
    });
    t.equal(res.statusCode, status, `${method} ${url} ${JSON.stringify(payload)}`);
    t.equal(res.headers['content-type'], PROBLEM);
  }
  const del = await s.app.inject({
    method: 'DELETE',
    url: `/orders/${order.id}`,
    headers: s.bearer(s.customer.token),
  });
  t.equal(del.statusCode, 403);
  const staleDelete = await s.app.inject({
    method: 'DELETE',
    url: `/orders/${order.id}`,
    headers: { ...s.bearer(s.admin.token), 'if-match': '"999"' },
  });
  t.equal(staleDelete.statusCode, 412);
  t.same(await s.counts(), before);
  const status = await s.app.inject({
    method: 'GET',
    url: `/orders/${order.id}`,
    headers: s.bearer(s.admin.token),
  });
  t.equal(status.json().status, 'PENDING');
});

t.test('an admin deletes an order; an open one is announced as cancelled first', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const del = await s.app.inject({
    method: 'DELETE',
    url: `/orders/${order.id}`,
    headers: s.bearer(s.admin.token),
  });
  t.equal(del.statusCode, 204);
  const gone = await s.app.inject({
    method: 'GET',
    url: `/orders/${order.id}`,
    headers: s.bearer(s.admin.token),
  });
  t.equal(gone.statusCode, 404);
  t.match(await s.counts(), { orders: 0, items: 0, history: 0 });
  const [cancelled] = await eventually(async () => {
    const found = s.events.of('order.cancelled', order.id);
    if (found.length === 0) throw new Error('not yet');
    return found;
  });
  t.match(cancelled!.data, { orderId: order.id, reason: 'admin', previousStatus: 'PENDING' });
});

t.test('a customer cancels while PENDING or CONFIRMED, not after', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const pending = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const confirmed = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const shipped = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const setStatus = (id: string, status: string) =>
    s.app.inject({
      method: 'PUT',
      url: `/orders/${id}`,
      headers: s.bearer(s.admin.token),
      payload: { status },
    });
  await setStatus(confirmed.id, 'CONFIRMED');
  await setStatus(shipped.id, 'CONFIRMED');
  await setStatus(shipped.id, 'SHIPPED');
  const cancel = (id: string, token = s.customer.token, headers: Record<string, string> = {}) =>
    s.app.inject({
      method: 'POST',
      url: `/orders/${id}/cancel`,
      headers: { ...s.bearer(token), ...headers },
    });

  const beforeStale = await s.counts();
  const stale = await cancel(pending.id, s.customer.token, { 'if-match': '"42"' });
  t.equal(stale.statusCode, 412, 'a stale If-Match');
  t.same(await s.counts(), beforeStale);
  const a = await cancel(pending.id);
  t.equal(a.statusCode, 200);
  t.match(a.json(), { status: 'CANCELLED', cancelReason: 'customer' });
  const b = await cancel(confirmed.id);
  t.equal(b.statusCode, 200);
  const afterCancels = await s.counts();
  const again = await cancel(pending.id);
  t.equal(again.statusCode, 409, 'cancelling twice is a conflict');
  const c = await cancel(shipped.id);
  t.equal(c.statusCode, 409, 'too late once shipped');
  t.equal(c.headers['content-type'], PROBLEM);
  const foreign = await cancel(confirmed.id, s.other.token);
  t.equal(foreign.statusCode, 404, "another customer's order");
  t.equal((await cancel('nope')).statusCode, 400);
  t.same(await s.counts(), afterCancels, 'refused cancellations wrote nothing');

  await eventually(async () => {
    if (s.events.of('order.cancelled').length !== 2) throw new Error('not yet');
  });
  t.match(s.events.of('order.cancelled', pending.id)[0]!.data, {
    reason: 'customer',
    previousStatus: 'PENDING',
  });
  t.match(s.events.of('order.cancelled', confirmed.id)[0]!.data, {
    reason: 'customer',
    previousStatus: 'CONFIRMED',
  });
  const shippedNow = await s.app.inject({
    method: 'GET',
    url: `/orders/${shipped.id}`,
    headers: s.bearer(s.customer.token),
  });
  t.equal(shippedNow.json().status, 'SHIPPED');
});
