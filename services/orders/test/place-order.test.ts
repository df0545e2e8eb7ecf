import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { eventually, setup, TEST_ADDRESS } from './helpers.ts';

const address = () => uuidv7();
const card = { type: 'card' as const, token: 'tok_visa' };

t.test('placing an order snapshots prices, totals exactly and announces order.placed', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '19.99', currency: 'EUR' } });
  const pen = await s.seedProduct({ price: { amount: '0.10', currency: 'EUR' } });
  const shippingAddressId = address();
  const res = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: s.bearer(s.customer.token),
    payload: {
      lines: [
        { productId: book.productId, quantity: 3 },
        { productId: pen.productId, quantity: 7 },
      ],
      shippingAddressId,
      paymentMethod: card,
    },
  });
  t.equal(res.statusCode, 201, res.body);
  const order = res.json();
  t.equal(order.status, 'PENDING');
  t.equal(order.userId, s.customer.id);
  t.equal(order.revision, 1);
  t.same(order.total, { amount: '60.67', currency: 'EUR' }, '3 × 19.99 + 7 × 0.10, exactly');
  t.equal(res.headers.etag, `"${order.version}"`);
  t.equal(res.headers.location, `/orders/${order.id}`);
  t.same(order.paymentMethod, { type: 'card' }, 'the card token is not echoed');
  t.same(order.shippingAddress, TEST_ADDRESS, 'the address as the book had it');
  t.same(
    order.lines.map((l: any) => [l.productId, l.quantity, l.unitPrice.amount, l.lineTotal.amount]),
    [
      [book.productId, 3, '19.99', '59.97'],
      [pen.productId, 7, '0.10', '0.70'],
    ],
  );

  // A later price change does not touch the placed order.
  await s.seedProduct({ ...book, price: { amount: '25.00', currency: 'EUR' }, version: 2 });
  const again = await s.app.inject({
    method: 'GET',
    url: `/orders/${order.id}`,
    headers: s.bearer(s.customer.token),
  });
  t.same(again.json().total, { amount: '60.67', currency: 'EUR' });

  const [placed] = await eventually(async () => {
    const found = s.events.of('order.placed', order.id);
    if (found.length === 0) throw new Error('order.placed not published yet');
    return found;
  });
  t.equal(placed!.correlationId, order.id);
  t.same(placed!.data, {
    orderId: order.id,
    userId: s.customer.id,
    revision: 1,
    lines: order.lines.map((l: any) => ({
      itemId: l.id,
      productId: l.productId,
      productName: l.name,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
    })),
    total: { amount: '60.67', currency: 'EUR' },
    paymentMethod: card,
    shippingAddressId,
    shippingAddress: TEST_ADDRESS,
  });

  const status = await s.app.inject({
    method: 'GET',
    url: `/orders/${order.id}/status`,
    headers: s.bearer(s.customer.token),
  });
  t.equal(status.statusCode, 200);
  t.match(status.json(), { status: 'PENDING', history: [{ from: null, to: 'PENDING', cause: 'placed' }] });
});

t.test('the same Idempotency-Key returns the first result; another body under it is refused', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '12.00', currency: 'EUR' } });
  const payload = {
    lines: [{ productId: book.productId, quantity: 1 }],
    shippingAddressId: address(),
    paymentMethod: card,
  };
  const key = uuidv7();
  const post = (body: unknown, token = s.customer.token) =>
    s.app.inject({
      method: 'POST',
      url: '/orders',
      headers: { ...s.bearer(token), 'idempotency-key': key },
      payload: body as object,
    });

  const first = await post(payload);
  t.equal(first.statusCode, 201);
  const second = await post(payload);
  t.equal(second.statusCode, 201);
  t.same(second.json(), first.json(), 'the same body as the first time');
  t.equal(second.headers['idempotent-replayed'], 'true');
  t.same(await s.counts(), { orders: 1, items: 1, history: 1, outbox: 1, keys: 1 }, 'one order, one event');

  const changed = await post({ ...payload, lines: [{ productId: book.productId, quantity: 2 }] });
  t.equal(changed.statusCode, 422);
  t.equal(changed.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.same(await s.counts(), { orders: 1, items: 1, history: 1, outbox: 1, keys: 1 });

  // Keys are per user: another customer's identical key is a different request (to an address of
  // their own: the first customer's is not theirs to ship to).
  const foreign = await post({ ...payload, shippingAddressId: address() }, s.other.token);
  t.equal(foreign.statusCode, 201);
  t.not(foreign.json().id, first.json().id);

  // Racing duplicates (a client retrying before the first answer) still make one order.
  const raceKey = uuidv7();
  const racing = await Promise.all(
    Array.from({ length: 8 }, () =>
      s.app.inject({
        method: 'POST',
        url: '/orders',
        headers: { ...s.bearer(s.customer.token), 'idempotency-key': raceKey },
        payload,
      }),
    ),
  );
  t.same(
    racing.map((r) => r.statusCode),
    Array(8).fill(201),
  );
  t.equal(new Set(racing.map((r) => r.json().id)).size, 1, 'every racer gets the same order');
  t.equal((await s.counts()).orders, 3);
});

t.test(
  'unknown, inactive or mixed-currency products are a 422 naming them; nothing is written',
  async (t) => {
    const s = await setup(t);
    const eur = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
    const usd = await s.seedProduct({ price: { amount: '1.00', currency: 'USD' } });
    const inactive = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' }, active: false });
    const unknown = uuidv7();
    const before = await s.counts();
    const place = (lines: { productId: string; quantity: number }[]) =>
      s.app.inject({
        method: 'POST',
        url: '/orders',
        headers: { ...s.bearer(s.customer.token), 'idempotency-key': uuidv7() },
        payload: { lines, shippingAddressId: address(), paymentMethod: card },
      });

    const u = await place([
      { productId: eur.productId, quantity: 1 },
      { productId: unknown, quantity: 1 },
    ]);
    t.equal(u.statusCode, 422);
    t.match(u.json(), { status: 422, productIds: [unknown] });
    t.match(u.json().detail, unknown);
    const i = await place([{ productId: inactive.productId, quantity: 1 }]);
    t.equal(i.statusCode, 422);
    t.match(i.json(), { kind: 'inactive_products', productIds: [inactive.productId] });
    const m = await place([
      { productId: eur.productId, quantity: 1 },
      { productId: usd.productId, quantity: 1 },
    ]);
    t.equal(m.statusCode, 422);
    t.match(m.json(), { kind: 'mixed_currencies' });
    t.same(await s.counts(), before, 'no order, item, history, event or key');
  },
);

t.test('bad input to POST /orders is a 400 problem and changes nothing', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
  const good = {
    lines: [{ productId: p.productId, quantity: 1 }],
    shippingAddressId: address(),
    paymentMethod: card,
  };
  const bad: [string, unknown][] = [
    ['no lines', { ...good, lines: [] }],
    ['zero quantity', { ...good, lines: [{ productId: p.productId, quantity: 0 }] }],
    ['fractional quantity', { ...good, lines: [{ productId: p.productId, quantity: 1.5 }] }],
    ['quantity as a string', { ...good, lines: [{ productId: p.productId, quantity: '1' }] }],
    ['product id not a uuid', { ...good, lines: [{ productId: 'nope', quantity: 1 }] }],
    ['missing address', { lines: good.lines, paymentMethod: card }],
    ['unknown payment type', { ...good, paymentMethod: { type: 'cash', token: 'x' } }],
    ['empty token', { ...good, paymentMethod: { type: 'card', token: '' } }],
    ['extra field', { ...good, discount: '100' }],
    [
      'a client-chosen price',
      { ...good, lines: [{ productId: p.productId, quantity: 1, unitPrice: '0.01' }] },
    ],
  ];
  const before = await s.counts();
  for (const [name, body] of bad) {
    const res = await s.app.inject({
      method: 'POST',
      url: '/orders',
      headers: s.bearer(s.customer.token),
      payload: body as object,
    });
    t.equal(res.statusCode, 400, name);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', name);
    t.ok(Array.isArray(res.json().errors) && res.json().errors.length > 0, `${name}: says what is wrong`);
  }
  const tooLongKey = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...s.bearer(s.customer.token), 'idempotency-key': 'k'.repeat(201) },
    payload: good,
  });
  t.equal(tooLongKey.statusCode, 400, 'an oversized Idempotency-Key');
  const notJson = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...s.bearer(s.customer.token), 'content-type': 'application/json' },
    payload: '{"lines":',
  });
  t.equal(notJson.statusCode, 400, 'malformed JSON');
  const anonymous = await s.app.inject({ method: 'POST', url: '/orders', payload: good });
  t.equal(anonymous.statusCode, 401, 'no token');
  t.equal(anonymous.headers['content-type'], 'application/problem+json; charset=utf-8');
  const forged = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: s.bearer(`${s.customer.token}x`),
    payload: good,
  });
  t.equal(forged.statusCode, 401, 'a tampered token');
  t.same(await s.counts(), before);
});

t.test(
  'a line priced by the client is placed only at that price (409 price-changed otherwise)',
  async (t) => {
    const s = await setup(t);
    const book = await s.seedProduct({ price: { amount: '12.50', currency: 'EUR' } });
    const place = (unitPrice: { amount: string; currency: string }) =>
      s.app.inject({
        method: 'POST',
        url: '/orders',
        headers: s.bearer(s.customer.token),
        payload: {
          lines: [{ productId: book.productId, quantity: 2, unitPrice }],
          shippingAddressId: address(),
          paymentMethod: card,
        },
      });
    const before = await s.counts();
    const stale = await place({ amount: '11.00', currency: 'EUR' });
    t.equal(stale.statusCode, 409, stale.body);
    t.match(stale.headers['content-type'], /^application\/problem\+json/);
    const problem = stale.json();
    t.match(problem.type, /\/price-changed$/);
    t.same(problem.lines, [
      {
        productId: book.productId,
        expected: { amount: '11.00', currency: 'EUR' },
        current: { amount: '12.50', currency: 'EUR' },
      },
    ]);
    t.same(await s.counts(), before, 'nothing written');
    t.equal((await place({ amount: '12.50', currency: 'USD' })).statusCode, 409, 'another currency too');

    const ok = await place({ amount: '12.5', currency: 'EUR' });
    t.equal(ok.statusCode, 201, '12.5 is 12.50');
    t.same(ok.json().total, { amount: '25.00', currency: 'EUR' });
  },
);
