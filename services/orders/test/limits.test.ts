// Issue 9: an order asks for no more than a customer may hold (ORDER_MAX_UNITS), never for a total no
// service can store (it was a 500: numeric overflow), and never for nothing (a 0.00 total). Each is
// a 422 with its own problem type, and nothing is written.
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { PROBLEM, setup } from './helpers.ts';

const card = { type: 'card' as const, token: 'tok_visa' };
const TYPE = 'https://mercato.dev/problems/';

t.test('an order over ORDER_MAX_UNITS is refused up front; up to it is placed', async (t) => {
  const s = await setup(t, { ORDER_MAX_UNITS: 50 });
  const a = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
  const b = await s.seedProduct({ price: { amount: '2.00', currency: 'EUR' } });
  const post = (lines: { productId: string; quantity: number }[]) =>
    s.app.inject({
      method: 'POST',
      url: '/orders',
      headers: s.bearer(s.customer.token),
      payload: { lines, shippingAddressId: uuidv7(), paymentMethod: card },
    });
  const before = await s.counts();
  const over = await post([
    { productId: a.productId, quantity: 30 },
    { productId: b.productId, quantity: 21 },
  ]);
  t.equal(over.statusCode, 422, over.body);
  t.equal(over.headers['content-type'], PROBLEM);
  t.match(over.json(), { type: `${TYPE}order-too-many-units`, units: 51, maxUnits: 50 });
  t.same(await s.counts(), before, 'nothing written');

  const within = await post([
    { productId: a.productId, quantity: 30 },
    { productId: b.productId, quantity: 20 },
  ]);
  t.equal(within.statusCode, 201, within.body);

  // A line change cannot grow the order past the cap either.
  const order = within.json();
  const grow = await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}/items/${order.lines[0].id}`,
    headers: s.bearer(s.customer.token),
    payload: { quantity: 31 },
  });
  t.equal(grow.statusCode, 422, grow.body);
  t.match(grow.json(), { type: `${TYPE}order-too-many-units` });
  const added = await s.app.inject({
    method: 'POST',
    url: `/orders/${order.id}/items`,
    headers: s.bearer(s.customer.token),
    payload: { productId: b.productId, quantity: 1 },
  });
  t.equal(added.statusCode, 422, added.body);
});

t.test(
  'the maximum price × the maximum quantity is placed; a total beyond the ceiling is a 422',
  async (t) => {
    const s = await setup(t, { ORDER_MAX_UNITS: 1_000_000 });
    // The highest price catalog accepts, and one an older catalog allowed (up to numeric(12,2)).
    const dearest = await s.seedProduct({ price: { amount: '999999.99', currency: 'EUR' } });
    const legacy = await s.seedProduct({ price: { amount: '9999999999.99', currency: 'EUR' } });
    const post = (productId: string, quantity: number) =>
      s.app.inject({
        method: 'POST',
        url: '/orders',
        headers: s.bearer(s.customer.token),
        payload: { lines: [{ productId, quantity }], shippingAddressId: uuidv7(), paymentMethod: card },
      });

    const max = await post(dearest.productId, 10_000);
    t.equal(max.statusCode, 201, max.body);
    t.same(max.json().total, { amount: '9999999900.00', currency: 'EUR' }, 'exact');

    const before = await s.counts();
    const overflow = await post(legacy.productId, 10_000);
    t.equal(overflow.statusCode, 422, overflow.body);
    t.equal(overflow.headers['content-type'], PROBLEM);
    t.match(overflow.json(), {
      type: `${TYPE}order-total-too-large`,
      total: '99999999999900.00',
      maxTotal: '9999999999.99',
    });
    t.same(await s.counts(), before, 'nothing written');

    // Adding a line that takes the total over the ceiling: 422, the order unchanged.
    const order = (await post(dearest.productId, 1)).json();
    const added = await s.app.inject({
      method: 'POST',
      url: `/orders/${order.id}/items`,
      headers: s.bearer(s.customer.token),
      payload: { productId: legacy.productId, quantity: 10_000 },
    });
    t.equal(added.statusCode, 422, added.body);
    t.match(added.json(), { type: `${TYPE}order-total-too-large` });
    const unchanged = await s.app.inject({
      method: 'GET',
      url: `/orders/${order.id}`,
      headers: s.bearer(s.customer.token),
    });
    t.equal(unchanged.json().revision, 1);
  },
);

t.test('an order that costs nothing (a 0.00 product) is refused', async (t) => {
  const s = await setup(t);
  const free = await s.seedProduct({ price: { amount: '0.00', currency: 'EUR' } });
  const paid = await s.seedProduct({ price: { amount: '0.01', currency: 'EUR' } });
  const before = await s.counts();
  const res = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: s.bearer(s.customer.token),
    payload: {
      lines: [{ productId: free.productId, quantity: 3 }],
      shippingAddressId: uuidv7(),
      paymentMethod: card,
    },
  });
  t.equal(res.statusCode, 422, res.body);
  t.equal(res.headers['content-type'], PROBLEM);
  t.match(res.json(), { type: `${TYPE}order-total-zero` });
  t.same(await s.counts(), before, 'nothing written');

  // With something to pay for, a free line may come along.
  const mixed = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: s.bearer(s.customer.token),
    payload: {
      lines: [
        { productId: free.productId, quantity: 1 },
        { productId: paid.productId, quantity: 1 },
      ],
      shippingAddressId: uuidv7(),
      paymentMethod: card,
    },
  });
  t.equal(mixed.statusCode, 201, mixed.body);
  t.same(mixed.json().total, { amount: '0.01', currency: 'EUR' });
});
