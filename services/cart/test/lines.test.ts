// A cart's lines: adding (the same product adds up), changing, removing, emptying; ETag/If-Match;
// limits; products the read model does not know yet; ownership; bad input changing nothing.
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { addItem, myCart, newGuestCart, PROBLEM, scriptedServer, setup } from './helpers.ts';

const PROBLEMS = 'https://mercato.dev/problems/';

t.test(
  'adding the same product twice adds to its line; PATCH and DELETE a line; DELETE /carts/me',
  async (t) => {
    const s = await setup(t);
    const me = s.bearer(s.customer.token);
    const a = await s.seedProduct({ price: { amount: '2.50', currency: 'EUR' } });
    const b = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });

    const first = await addItem(s, me, a.productId, 2);
    t.equal(first.statusCode, 201);
    const line = first.json().lines[0];
    t.equal(first.headers.location, `/carts/me/items/${line.id}`);
    t.equal(first.headers.etag, `"${first.json().version}"`);
    t.same(line.unitPrice, { amount: '2.50', currency: 'EUR' });
    t.same(line.addedUnitPrice, { amount: '2.50', currency: 'EUR' });
    t.same(line.lineTotal, { amount: '5.00', currency: 'EUR' });
    t.same(line.flags, []);
    t.equal(line.counted, true);

    const second = await addItem(s, me, a.productId, 3);
    t.equal(second.statusCode, 200, 'merged into the existing line');
    t.equal(second.json().lines.length, 1);
    t.equal(second.json().lines[0].quantity, 5);
    t.ok(second.json().version > first.json().version);

    await addItem(s, me, b.productId, 1);
    const patched = await s.app.inject({
      method: 'PATCH',
      url: `/carts/me/items/${line.id}`,
      headers: me,
      payload: { quantity: 1 },
    });
    t.equal(patched.statusCode, 200);
    t.same(patched.json().total, { amount: '3.50', currency: 'EUR' });

    const removed = await s.app.inject({ method: 'DELETE', url: `/carts/me/items/${line.id}`, headers: me });
    t.equal(removed.statusCode, 204);
    t.equal(removed.body, '');
    t.same(
      (await myCart(s, me)).lines.map((l: any) => l.productId),
      [b.productId],
    );
    const again = await s.app.inject({ method: 'DELETE', url: `/carts/me/items/${line.id}`, headers: me });
    t.equal(again.statusCode, 404);

    const emptied = await s.app.inject({ method: 'DELETE', url: '/carts/me', headers: me });
    t.equal(emptied.statusCode, 204);
    const cart = await myCart(s, me);
    t.same(cart.lines, []);
    t.equal(cart.itemCount, 0);
  },
);

t.test('ETag and If-Match: a stale version is 412 and changes nothing', async (t) => {
  const s = await setup(t);
  const me = s.bearer(s.customer.token);
  const a = await s.seedProduct();
  const got = await s.app.inject({ method: 'GET', url: '/carts/me', headers: me });
  t.equal(got.headers.etag, `"${got.json().version}"`);
  const stale = got.headers.etag as string;
  const added = await addItem(s, { ...me, 'if-match': stale }, a.productId, 1);
  const itemId = added.json().lines[0].id;
  const current = added.headers.etag as string;
  t.not(current, stale);

  const before = await s.fingerprint();
  for (const [method, url, payload] of [
    ['PATCH', `/carts/me/items/${itemId}`, { quantity: 4 }],
    ['DELETE', `/carts/me/items/${itemId}`, undefined],
    ['DELETE', '/carts/me', undefined],
    ['POST', '/carts/me/items', { productId: a.productId, quantity: 1 }],
  ] as const) {
    const res = await s.app.inject({
      method,
      url,
      headers: { ...me, 'if-match': stale },
      ...(payload ? { payload } : {}),
    });
    t.equal(res.statusCode, 412, `${method} ${url} with a stale If-Match`);
    t.equal(res.headers['content-type'], PROBLEM);
  }
  t.same(await s.fingerprint(), before);
  const ok = await s.app.inject({
    method: 'PATCH',
    url: `/carts/me/items/${itemId}`,
    headers: { ...me, 'if-match': current },
    payload: { quantity: 4 },
  });
  t.equal(ok.statusCode, 200);
});

t.test('limits: too many lines, too many units on a line: 422 with their own types', async (t) => {
  const s = await setup(t, { CART_MAX_LINES: 2, CART_MAX_LINE_QUANTITY: 100 });
  const me = s.bearer(s.customer.token);
  const [a, b, c] = [await s.seedProduct(), await s.seedProduct(), await s.seedProduct()];
  const added = await addItem(s, me, a.productId, 60);
  await addItem(s, me, b.productId, 1);
  const before = await s.fingerprint();
  const third = await addItem(s, me, c.productId, 1, [422]);
  t.equal(third.json().type, `${PROBLEMS}cart-too-many-lines`);
  const more = await addItem(s, me, a.productId, 41, [422]);
  t.equal(more.json().type, `${PROBLEMS}cart-line-quantity-too-large`);
  const patch = await s.app.inject({
    method: 'PATCH',
    url: `/carts/me/items/${added.json().lines[0].id}`,
    headers: me,
    payload: { quantity: 101 },
  });
  t.equal(patch.statusCode, 422);
  t.equal(patch.json().type, `${PROBLEMS}cart-line-quantity-too-large`);
  t.same(await s.fingerprint(), before, 'nothing changed');
  // Over what any line may hold at all: the schema's bound, 400.
  const huge = await addItem(s, me, a.productId, 10_001, [400]);
  t.equal(huge.json().type, `${PROBLEMS}validation-error`);
});

t.test(
  'products: unknown to the read model are fetched from catalog; unknown there 422; inactive 422',
  async (t) => {
    const known = uuidv7();
    const inactive = uuidv7();
    const catalog = await scriptedServer(t, (req) => {
      const id = req.url.split('/').pop();
      if (id === known)
        return {
          status: 200,
          body: {
            id,
            name: 'Fresh book',
            price: { amount: '9.90', currency: 'EUR' },
            active: true,
            version: 1,
          },
        };
      if (id === inactive)
        return {
          status: 200,
          body: {
            id,
            name: 'Old book',
            price: { amount: '1.00', currency: 'EUR' },
            active: false,
            version: 3,
          },
        };
      return {
        status: 404,
        body: { type: `${PROBLEMS}not-found`, title: 'Not Found', status: 404, detail: 'no' },
      };
    });
    const s = await setup(t, { CATALOG_URL: catalog.url });
    const me = s.bearer(s.customer.token);

    const added = await addItem(s, me, known, 2);
    t.equal(added.statusCode, 201);
    t.equal(added.json().lines[0].name, 'Fresh book');
    t.same(added.json().lines[0].unitPrice, { amount: '9.90', currency: 'EUR' });
    const [row] = await s.sql(`select version from "${s.schema}".product where product_id = ?`, [known]);
    t.equal(row.version, 1, 'kept in the read model');
    await addItem(s, me, known, 1);
    t.equal(catalog.requests.length, 1, 'asked once: the read model answers afterwards');

    const before = await s.fingerprint();
    const missing = uuidv7();
    const unknown = await addItem(s, me, missing, 1, [422]);
    t.equal(unknown.json().type, `${PROBLEMS}unknown-product`);
    t.equal(unknown.json().field, 'productId');
    t.equal(unknown.json().productId, missing);
    const off = await addItem(s, me, inactive, 1, [422]);
    t.equal(off.json().type, `${PROBLEMS}product-inactive`);
    const seededOff = await s.seedProduct({ active: false });
    t.equal((await addItem(s, me, seededOff.productId, 1, [422])).json().type, `${PROBLEMS}product-inactive`);
    t.same(await s.fingerprint(), before, 'nothing changed');
  },
);

t.test('catalog down while adding an unknown product: 503 problem; a known one still adds', async (t) => {
  const s = await setup(t); // CATALOG_URL: nothing listens
  const me = s.bearer(s.customer.token);
  const res = await addItem(s, me, uuidv7(), 1, [503]);
  t.equal(res.headers['content-type'], PROBLEM);
  t.equal(res.json().type, `${PROBLEMS}upstream-unavailable`);
  const a = await s.seedProduct();
  t.equal((await addItem(s, me, a.productId, 1)).statusCode, 201);
});

t.test('one currency per cart: a product in another currency is refused', async (t) => {
  const s = await setup(t);
  const me = s.bearer(s.customer.token);
  const eur = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
  const usd = await s.seedProduct({ price: { amount: '1.00', currency: 'USD' } });
  await addItem(s, me, eur.productId, 1);
  const res = await addItem(s, me, usd.productId, 1, [422]);
  t.equal(res.json().type, `${PROBLEMS}cart-currency-mismatch`);
});

t.test("ownership: another customer's cart and lines are 404; an admin reads any cart", async (t) => {
  const s = await setup(t);
  const a = await s.seedProduct();
  const mine = await addItem(s, s.bearer(s.customer.token), a.productId, 1);
  const itemId = mine.json().lines[0].id;

  const own = await s.app.inject({
    method: 'GET',
    url: `/carts/${s.customer.id}`,
    headers: s.bearer(s.customer.token),
  });
  t.equal(own.statusCode, 200);
  t.equal(own.json().id, mine.json().id);
  t.ok(own.headers.etag);
  const theirs = await s.app.inject({
    method: 'GET',
    url: `/carts/${s.customer.id}`,
    headers: s.bearer(s.other.token),
  });
  t.equal(theirs.statusCode, 404);
  t.equal(theirs.headers['content-type'], PROBLEM);
  t.notMatch(theirs.body, mine.json().id, 'nothing of the cart shows');
  const admin = await s.app.inject({
    method: 'GET',
    url: `/carts/${s.customer.id}`,
    headers: s.bearer(s.admin.token),
  });
  t.equal(admin.statusCode, 200);
  t.equal(admin.json().lines.length, 1);
  const never = await s.app.inject({
    method: 'GET',
    url: `/carts/${uuidv7()}`,
    headers: s.bearer(s.admin.token),
  });
  t.equal(never.statusCode, 404, 'an admin: a user who never had a cart is 404');
  const anonymous = await s.app.inject({ method: 'GET', url: `/carts/${s.customer.id}` });
  t.equal(anonymous.statusCode, 401);

  const before = await s.fingerprint();
  const patch = await s.app.inject({
    method: 'PATCH',
    url: `/carts/me/items/${itemId}`,
    headers: s.bearer(s.other.token),
    payload: { quantity: 9 },
  });
  t.equal(patch.statusCode, 404);
  const del = await s.app.inject({
    method: 'DELETE',
    url: `/carts/me/items/${itemId}`,
    headers: s.bearer(s.other.token),
  });
  t.equal(del.statusCode, 404);
  const { token } = await newGuestCart(s);
  const guest = await s.app.inject({
    method: 'DELETE',
    url: `/carts/me/items/${itemId}`,
    headers: s.guest(token),
  });
  t.equal(guest.statusCode, 404);
  const after = await s.fingerprint();
  t.equal(after.lines, before.lines, "the customer's lines are untouched");
});

t.test('bad input is 400 problem+json and changes nothing', async (t) => {
  const s = await setup(t);
  const me = s.bearer(s.customer.token);
  const a = await s.seedProduct();
  const added = await addItem(s, me, a.productId, 1);
  const itemId = added.json().lines[0].id;
  const before = await s.fingerprint();
  const cases: [string, string, unknown][] = [
    ['POST', '/carts/me/items', { productId: 'nope', quantity: 1 }],
    ['POST', '/carts/me/items', { productId: a.productId, quantity: 0 }],
    ['POST', '/carts/me/items', { productId: a.productId, quantity: '2' }],
    ['POST', '/carts/me/items', { productId: a.productId, quantity: 1, price: '0.01' }],
    ['POST', '/carts/me/items', { productId: a.productId }],
    ['PATCH', `/carts/me/items/${itemId}`, { quantity: -1 }],
    ['PATCH', '/carts/me/items/not-a-uuid', { quantity: 1 }],
    ['DELETE', '/carts/me/items/not-a-uuid', undefined],
    ['GET', '/carts/not-a-uuid', undefined],
    ['POST', '/carts/me/checkout', { shippingAddressId: 'x', paymentMethod: { type: 'card', token: 't' } }],
    ['POST', '/carts/me/merge', { token: 12 }],
  ];
  for (const [method, url, payload] of cases) {
    const res = await s.app.inject({
      method: method as 'POST',
      url,
      headers: { ...me, 'idempotency-key': 'k' },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    t.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}`);
    t.equal(res.headers['content-type'], PROBLEM);
  }
  const noKey = await s.app.inject({
    method: 'POST',
    url: '/carts/me/checkout',
    headers: me,
    payload: { shippingAddressId: uuidv7(), paymentMethod: { type: 'card', token: 't' } },
  });
  t.equal(noKey.statusCode, 400, 'checkout needs an Idempotency-Key');
  t.same(await s.fingerprint(), before);
});

t.test('the OpenAPI document names both ways in: bearer token or cart token', async (t) => {
  const s = await setup(t);
  const doc = (await s.app.inject({ method: 'GET', url: '/docs/json' })).json();
  t.same(doc.components.securitySchemes.cartToken, {
    type: 'apiKey',
    in: 'header',
    name: 'X-Cart-Token',
    description: 'The token of a guest cart, as POST /carts returned it',
  });
  t.same(doc.paths['/carts/me'].get.security, [{ bearerAuth: [] }, { cartToken: [] }]);
  t.same(doc.paths['/carts/me/checkout'].post.security, [{ bearerAuth: [] }]);
});

t.test('a restart loses nothing: carts live in PostgreSQL only', async (t) => {
  const s = await setup(t);
  const a = await s.seedProduct({ price: { amount: '4.00', currency: 'EUR' } });
  await addItem(s, s.bearer(s.customer.token), a.productId, 3);
  const { token } = await newGuestCart(s);
  await addItem(s, s.guest(token), a.productId, 1);
  const before = await myCart(s, s.bearer(s.customer.token));
  await s.app.close();

  const { buildApp } = await import('../src/app.ts');
  const again = await buildApp(s.config, { jwks: s.auth.jwks, retryDelaysMs: [200, 500] });
  t.teardown(() => again.close());
  const mine = await again.inject({ method: 'GET', url: '/carts/me', headers: s.bearer(s.customer.token) });
  t.same(mine.json(), before);
  const guest = await again.inject({ method: 'GET', url: '/carts/me', headers: s.guest(token) });
  t.equal(guest.statusCode, 200);
  t.equal(guest.json().lines[0].quantity, 1);
});
