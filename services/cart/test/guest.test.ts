// Guest carts: created without login, opened by their token only, merged into the customer's cart on
// login (header or POST /carts/me/merge) and gone afterwards; expired ones refused and swept.
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { sweepExpiredGuestCarts } from '../src/workers/sweeper.ts';
import { addItem, myCart, newGuestCart, PROBLEM, setup } from './helpers.ts';

t.test('a guest cart: created without login, its token opens it, only the hash is stored', async (t) => {
  const s = await setup(t);
  const res = await s.app.inject({ method: 'POST', url: '/carts' });
  t.equal(res.statusCode, 201);
  t.equal(res.headers.location, '/carts/me');
  const { token, cart } = res.json();
  t.match(token, /^[A-Za-z0-9_-]{43}$/);
  t.equal(cart.userId, null);
  t.same(cart.lines, []);
  t.same(cart.total, { amount: '0.00', currency: 'EUR' });
  t.ok(cart.expiresAt, 'a guest cart says when it expires');
  const stored = await s.sql(`select token_hash from "${s.schema}".cart where id = ?`, [cart.id]);
  t.not(stored[0].token_hash, token, 'the token itself is not stored');
  t.equal(stored[0].token_hash.length, 64);

  const a = await s.seedProduct({ price: { amount: '12.50', currency: 'EUR' } });
  const b = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  await addItem(s, s.guest(token), a.productId, 2);
  await addItem(s, s.guest(token), b.productId, 1);
  const read = await myCart(s, s.guest(token));
  t.equal(read.id, cart.id);
  t.equal(read.lines.length, 2);
  t.same(read.total, { amount: '28.00', currency: 'EUR' });
  t.equal(read.itemCount, 3);

  // Another guest's token opens another cart, not this one.
  const other = await newGuestCart(s);
  t.same((await myCart(s, s.guest(other.token))).lines, []);
});

t.test('no token, an unknown, malformed or expired token: 401 problem+json', async (t) => {
  const s = await setup(t);
  const none = await s.app.inject({ method: 'GET', url: '/carts/me' });
  t.equal(none.statusCode, 401);
  t.equal(none.headers['content-type'], PROBLEM);
  const unknown = await s.app.inject({ method: 'GET', url: '/carts/me', headers: s.guest('A'.repeat(43)) });
  t.equal(unknown.statusCode, 401);
  const malformed = await s.app.inject({ method: 'GET', url: '/carts/me', headers: s.guest('short') });
  t.equal(malformed.statusCode, 401);
  const badBearer = await s.app.inject({
    method: 'GET',
    url: '/carts/me',
    headers: { authorization: 'Bearer x' },
  });
  t.equal(badBearer.statusCode, 401);

  // A guest cannot check out, merge or read a user's cart.
  const { token } = await newGuestCart(s);
  for (const [method, url, payload] of [
    [
      'POST',
      '/carts/me/checkout',
      { shippingAddressId: uuidv7(), paymentMethod: { type: 'card', token: 't' } },
    ],
    ['POST', '/carts/me/merge', { token }],
    ['GET', `/carts/${s.customer.id}`, undefined],
  ] as const) {
    const res = await s.app.inject({
      method,
      url,
      headers: { ...s.guest(token), 'idempotency-key': 'k1' },
      ...(payload ? { payload } : {}),
    });
    t.equal(res.statusCode, 401, `${method} ${url} as a guest`);
  }
});

t.test(
  'merge on login: a signed-in request that still carries the token merges the guest cart',
  async (t) => {
    const s = await setup(t);
    const a = await s.seedProduct();
    const b = await s.seedProduct();
    // The customer already has some of a.
    await addItem(s, s.bearer(s.customer.token), a.productId, 1);
    const { token } = await newGuestCart(s);
    await addItem(s, s.guest(token), a.productId, 2);
    await addItem(s, s.guest(token), b.productId, 4);

    const both = { ...s.bearer(s.customer.token), ...s.guest(token) };
    const cart = await myCart(s, both);
    t.equal(cart.userId, s.customer.id);
    const qty = Object.fromEntries(cart.lines.map((l: any) => [l.productId, l.quantity]));
    t.same(qty, { [a.productId]: 3, [b.productId]: 4 }, 'quantities of the same product add up');

    // The guest cart is gone: its token opens nothing, and sending it again merges nothing more.
    const gone = await s.app.inject({ method: 'GET', url: '/carts/me', headers: s.guest(token) });
    t.equal(gone.statusCode, 401);
    const again = await myCart(s, both);
    t.same(
      Object.fromEntries(again.lines.map((l: any) => [l.productId, l.quantity])),
      qty,
      'the merge is not repeated',
    );
    const guests = await s.sql(`select count(*)::int as n from "${s.schema}".cart where user_id is null`);
    t.equal(guests[0].n, 0);
  },
);

t.test('POST /carts/me/merge merges a guest cart once; an unknown token is 404', async (t) => {
  const s = await setup(t);
  const a = await s.seedProduct();
  const { token } = await newGuestCart(s);
  await addItem(s, s.guest(token), a.productId, 2);

  const res = await s.app.inject({
    method: 'POST',
    url: '/carts/me/merge',
    headers: s.bearer(s.customer.token),
    payload: { token },
  });
  t.equal(res.statusCode, 200);
  t.ok(res.headers.etag);
  t.same(
    res.json().lines.map((l: any) => [l.productId, l.quantity]),
    [[a.productId, 2]],
  );
  const second = await s.app.inject({
    method: 'POST',
    url: '/carts/me/merge',
    headers: s.bearer(s.customer.token),
    payload: { token },
  });
  t.equal(second.statusCode, 404, 'already merged');
  t.equal((await myCart(s, s.bearer(s.customer.token))).lines[0].quantity, 2, 'not doubled');

  const malformed = await s.app.inject({
    method: 'POST',
    url: '/carts/me/merge',
    headers: s.bearer(s.customer.token),
    payload: { token: 'nope' },
  });
  t.equal(malformed.statusCode, 400);
});

t.test('two merges of one guest cart at once add its quantities once', async (t) => {
  const s = await setup(t);
  const a = await s.seedProduct();
  const { token } = await newGuestCart(s);
  await addItem(s, s.guest(token), a.productId, 5);
  const both = { ...s.bearer(s.customer.token), ...s.guest(token) };
  const answers = await Promise.all([
    ...Array.from({ length: 4 }, () => s.app.inject({ method: 'GET', url: '/carts/me', headers: both })),
    s.app.inject({
      method: 'POST',
      url: '/carts/me/merge',
      headers: s.bearer(s.customer.token),
      payload: { token },
    }),
  ]);
  for (const a of answers.slice(0, 4)) t.equal(a.statusCode, 200);
  const cart = await myCart(s, s.bearer(s.customer.token));
  t.same(
    cart.lines.map((l: any) => l.quantity),
    [5],
  );
});

t.test('a merge keeps within the limits: quantities capped, lines beyond the maximum left out', async (t) => {
  const s = await setup(t, { CART_MAX_LINES: 2, CART_MAX_LINE_QUANTITY: 10 });
  const [a, b, c] = [await s.seedProduct(), await s.seedProduct(), await s.seedProduct()];
  await addItem(s, s.bearer(s.customer.token), a.productId, 8);
  await addItem(s, s.bearer(s.customer.token), c.productId, 1);
  const { token } = await newGuestCart(s);
  await addItem(s, s.guest(token), a.productId, 7);
  // b would be a third line for the customer.
  await addItem(s, s.guest(token), b.productId, 1);
  const refused = await addItem(s, s.guest(token), c.productId, 1, [422]);
  t.equal(
    refused.json().type,
    'https://mercato.dev/problems/cart-too-many-lines',
    'the guest cart has its limit too',
  );
  const cart = await myCart(s, { ...s.bearer(s.customer.token), ...s.guest(token) });
  t.same(
    cart.lines.map((l: any) => [l.productId, l.quantity]),
    [
      [a.productId, 10],
      [c.productId, 1],
    ],
  );
  t.equal((await s.app.inject({ method: 'GET', url: '/carts/me', headers: s.guest(token) })).statusCode, 401);
});

t.test(
  'a guest cart past its TTL: its token is refused at once, the sweeper deletes it and its lines',
  async (t) => {
    const s = await setup(t);
    const a = await s.seedProduct();
    const { token, cart } = await newGuestCart(s);
    await addItem(s, s.guest(token), a.productId, 1);
    const fresh = await newGuestCart(s);
    await s.sql(`update "${s.schema}".cart set expires_at = now() - interval '1 minute' where id = ?`, [
      cart.id,
    ]);

    const refused = await s.app.inject({ method: 'GET', url: '/carts/me', headers: s.guest(token) });
    t.equal(refused.statusCode, 401, 'refused before the sweep');
    // Nor does a signed-in request merge it.
    const mine = await myCart(s, { ...s.bearer(s.customer.token), ...s.guest(token) });
    t.same(mine.lines, []);

    t.equal(await sweepExpiredGuestCarts(s.app.orm), 1);
    const left = await s.sql(`select id from "${s.schema}".cart where user_id is null`);
    t.same(
      left.map((r: any) => r.id),
      [fresh.cart.id],
      'only the expired guest cart went',
    );
    const lines = await s.sql(`select count(*)::int as n from "${s.schema}".cart_line where cart_id = ?`, [
      cart.id,
    ]);
    t.equal(lines[0].n, 0);
    t.equal((await myCart(s, s.guest(fresh.token))).id, fresh.cart.id);
  },
);

t.test('the sweeper runs on its own every CART_SWEEP_INTERVAL_MS', async (t) => {
  const s = await setup(t, { CART_SWEEP_INTERVAL_MS: 100 });
  const { cart } = await newGuestCart(s);
  await s.sql(`update "${s.schema}".cart set expires_at = now() - interval '1 second' where id = ?`, [
    cart.id,
  ]);
  const { eventually } = await import('./helpers.ts');
  await eventually(async () => {
    const rows = await s.sql(`select 1 from "${s.schema}".cart where id = ?`, [cart.id]);
    if (rows.length > 0) throw new Error('not swept yet');
  });
  t.pass('swept');
});

t.test('POST /carts for a signed-in caller answers their own cart (200, no token)', async (t) => {
  const s = await setup(t);
  const res = await s.app.inject({ method: 'POST', url: '/carts', headers: s.bearer(s.customer.token) });
  t.equal(res.statusCode, 200);
  t.equal(res.json().token, undefined);
  t.equal(res.json().cart.userId, s.customer.id);
  const bad = await s.app.inject({
    method: 'POST',
    url: '/carts',
    headers: { authorization: 'Bearer nope' },
  });
  t.equal(bad.statusCode, 401);
});
