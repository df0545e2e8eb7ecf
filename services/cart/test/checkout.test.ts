// Checkout against a scripted HTTP server standing in for orders: the order is placed as the customer
// with a derived Idempotency-Key, the ordered lines leave the cart, a repeat replays; every failure of
// orders leaves the cart as it was; flagged lines and unconfirmed price changes are 409.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProductSnapshot } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import {
  addItem,
  myCart,
  PROBLEM,
  placedOrder,
  type RecordedRequest,
  type Script,
  scriptedServer,
  setup,
  UNREACHABLE,
} from './helpers.ts';

const PROBLEMS = 'https://mercato.dev/problems/';
const body = (extra: object = {}) => ({
  shippingAddressId: uuidv7(),
  paymentMethod: { type: 'card', token: 'tok_visa' },
  ...extra,
});

/** Orders as it behaves: one order per (user, key), replayed for the same key. */
function idempotentOrders(): Script & { placed: Map<string, any> } {
  const placed = new Map<string, any>();
  const script = (req: RecordedRequest) => {
    const key = `${req.headers.authorization} ${req.headers['idempotency-key']}`;
    const known = placed.get(key);
    if (known) return { status: 201, body: known };
    const order = placedOrder(req);
    placed.set(key, order);
    return { status: 201, body: order };
  };
  return Object.assign(script, { placed });
}

async function filledCart(s: Awaited<ReturnType<typeof setup>>, token: string) {
  const a = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const b = await s.seedProduct({ price: { amount: '2.00', currency: 'EUR' } });
  await addItem(s, s.bearer(token), a.productId, 2);
  await addItem(s, s.bearer(token), b.productId, 1);
  return { a, b };
}

const checkout = (s: Awaited<ReturnType<typeof setup>>, token: string, key: string, payload: object) =>
  s.app.inject({
    method: 'POST',
    url: '/carts/me/checkout',
    headers: { ...s.bearer(token), 'idempotency-key': key },
    payload,
  });

t.test(
  'checkout places the order as the customer, empties the cart, and replays for the same key',
  async (t) => {
    const script = idempotentOrders();
    const orders = await scriptedServer(t, script);
    const s = await setup(t, { ORDERS_URL: orders.url });
    const { a, b } = await filledCart(s, s.customer.token);
    const request = body();

    const res = await checkout(s, s.customer.token, 'key-1', request);
    t.equal(res.statusCode, 201, res.body);
    const answer = res.json();
    t.equal(res.headers.location, `/orders/${answer.order.id}`);
    t.equal(res.headers['idempotent-replayed'], undefined);
    t.same(answer.cart.lines, [], 'the cart is empty');
    t.equal(orders.requests.length, 1);
    const sent = orders.requests[0]!;
    t.equal(sent.method, 'POST');
    t.equal(sent.url, '/orders');
    t.equal(
      sent.headers.authorization,
      `Bearer ${s.customer.token}`,
      "the customer's identity carried through",
    );
    t.equal(sent.headers['idempotency-key'], 'checkout:key-1');
    t.same(sent.body, {
      lines: [
        { productId: a.productId, quantity: 2, unitPrice: { amount: '5.00', currency: 'EUR' } },
        { productId: b.productId, quantity: 1, unitPrice: { amount: '2.00', currency: 'EUR' } },
      ],
      shippingAddressId: request.shippingAddressId,
      paymentMethod: request.paymentMethod,
    });
    t.same((await myCart(s, s.bearer(s.customer.token))).lines, []);

    const again = await checkout(s, s.customer.token, 'key-1', request);
    t.equal(again.statusCode, 201);
    t.equal(again.headers['idempotent-replayed'], 'true');
    t.equal(again.json().order.id, answer.order.id, 'the same order');
    t.equal(again.headers.location, `/orders/${answer.order.id}`);
    t.equal(orders.requests.length, 1, 'nothing sent to orders the second time');

    const otherBody = await checkout(s, s.customer.token, 'key-1', body());
    t.equal(otherBody.statusCode, 422, 'the key with another request');

    // Another customer's same key is theirs alone.
    const empty = await checkout(s, s.other.token, 'key-1', request);
    t.equal(empty.statusCode, 422);
    t.equal(empty.json().type, `${PROBLEMS}cart-empty`);
  },
);

t.test(
  'orders unavailable (503, 500, unreachable): 503 problem, the cart as it was, no key kept',
  async (t) => {
    let status = 503;
    const orders = await scriptedServer(t, () => ({
      status,
      body: { type: `${PROBLEMS}service-unavailable`, title: 'Service Unavailable', status, detail: 'down' },
    }));
    const s = await setup(t, { ORDERS_URL: orders.url });
    await filledCart(s, s.customer.token);
    const before = await s.fingerprint();

    const res = await checkout(s, s.customer.token, 'k', body());
    t.equal(res.statusCode, 503);
    t.equal(res.headers['content-type'], PROBLEM);
    t.equal(res.json().type, `${PROBLEMS}upstream-unavailable`);
    t.equal(orders.requests.length, 2, 'one retry (ORDERS_RETRIES 1), safe with the key');
    status = 500;
    const broken = await checkout(s, s.customer.token, 'k', body());
    t.equal(broken.statusCode, 503);
    t.same(await s.fingerprint(), before, 'cart intact, nothing recorded');

    // Then orders answers: the same key goes through.
    orders.setScript(idempotentOrders());
    const ok = await checkout(s, s.customer.token, 'k', body());
    t.equal(ok.statusCode, 201);
  },
);

t.test('orders unreachable: 503 problem, the cart intact', async (t) => {
  const s = await setup(t, { ORDERS_URL: UNREACHABLE });
  await filledCart(s, s.customer.token);
  const before = await s.fingerprint();
  const res = await checkout(s, s.customer.token, 'k', body());
  t.equal(res.statusCode, 503);
  t.equal(res.json().type, `${PROBLEMS}upstream-unavailable`);
  t.same(await s.fingerprint(), before);
});

t.test(
  'orders refuses (422 naming the address): passed through with its type, the cart intact',
  async (t) => {
    const orders = await scriptedServer(t, () => ({
      status: 422,
      body: {
        type: `${PROBLEMS}unknown-address`,
        title: 'Unknown address',
        status: 422,
        detail: 'shippingAddressId is not one of your addresses',
        field: 'shippingAddressId',
        instance: '/orders',
        requestId: 'theirs',
      },
    }));
    const s = await setup(t, { ORDERS_URL: orders.url });
    await filledCart(s, s.customer.token);
    const before = await s.fingerprint();
    const res = await checkout(s, s.customer.token, 'k', body());
    t.equal(res.statusCode, 422);
    t.equal(res.headers['content-type'], PROBLEM);
    t.equal(res.json().type, `${PROBLEMS}unknown-address`);
    t.equal(res.json().field, 'shippingAddressId');
    t.equal(res.json().instance, '/carts/me/checkout', 'our own instance and request id');
    t.same(await s.fingerprint(), before);
  },
);

t.test('flagged lines (inactive, short of stock): 409 listing them, nothing sent to orders', async (t) => {
  const orders = await scriptedServer(t, idempotentOrders());
  const s = await setup(t, { ORDERS_URL: orders.url });
  const { a, b } = await filledCart(s, s.customer.token);
  await s.seedProduct({ ...a, active: false, version: 2 });
  await s.seedStock([{ productId: b.productId, available: 0, availability: 'out_of_stock', version: 1 }]);
  const cart = await myCart(s, s.bearer(s.customer.token));
  const before = await s.fingerprint();

  const res = await checkout(s, s.customer.token, 'k', body({ cartVersion: cart.version }));
  t.equal(res.statusCode, 409);
  t.equal(res.json().type, `${PROBLEMS}cart-needs-attention`);
  const lines = res.json().lines;
  t.same(
    lines.map((l: any) => [l.productId, l.flags]).sort(),
    [
      [a.productId, ['inactive']],
      [b.productId, ['short_of_stock']],
    ].sort(),
  );
  t.ok(lines.every((l: any) => typeof l.itemId === 'string'));
  t.equal(orders.requests.length, 0);
  t.same(await s.fingerprint(), before);
});

t.test('a price changed since added: 409 until the client confirms the current cart version', async (t) => {
  const orders = await scriptedServer(t, idempotentOrders());
  const s = await setup(t, { ORDERS_URL: orders.url });
  const { a } = await filledCart(s, s.customer.token);
  const shown = await myCart(s, s.bearer(s.customer.token));
  const event = envelope<ProductSnapshot>(
    'product.updated',
    { ...a, price: { amount: '6.00', currency: 'EUR' }, version: 2 },
    { source: 'catalog' },
  );
  await s.publish(event);
  await s.handled(event);

  const unconfirmed = await checkout(s, s.customer.token, 'k1', body());
  t.equal(unconfirmed.statusCode, 409);
  t.equal(unconfirmed.json().type, `${PROBLEMS}cart-needs-attention`);
  t.same(
    unconfirmed.json().lines.map((l: any) => [l.productId, l.flags]),
    [[a.productId, ['price_changed']]],
  );
  const current = unconfirmed.json().cartVersion;
  t.ok(current > shown.version);

  const old = await checkout(s, s.customer.token, 'k2', body({ cartVersion: shown.version }));
  t.equal(old.statusCode, 409, 'the version shown before the change');
  t.equal(old.json().type, `${PROBLEMS}cart-version-mismatch`);
  t.equal(old.json().cartVersion, current);
  t.same(
    old.json().lines.map((l: any) => [l.productId, l.flags]),
    [[a.productId, ['price_changed']]],
    'it lists the lines that changed too',
  );
  t.equal(orders.requests.length, 0);

  const confirmed = await checkout(s, s.customer.token, 'k3', body({ cartVersion: current }));
  t.equal(confirmed.statusCode, 201, confirmed.body);
  t.equal(orders.requests.length, 1);
});

t.test('two checkouts of one cart at once place one order', async (t) => {
  const inner = idempotentOrders();
  const orders = await scriptedServer(t, async (req) => {
    await sleep(200);
    return inner(req);
  });
  const s = await setup(t, { ORDERS_URL: orders.url });
  await filledCart(s, s.customer.token);
  const answers = await Promise.all([
    checkout(s, s.customer.token, 'tab-1', body()),
    checkout(s, s.customer.token, 'tab-2', body()),
  ]);
  const statuses = answers.map((r) => r.statusCode).sort();
  t.same(statuses, [201, 422], 'one placed; the other found the cart empty');
  t.equal(orders.requests.length, 1);
  t.equal(inner.placed.size, 1);
});

t.test(
  'a checkout lost after orders placed the order is healed by the retry with the same key',
  async (t) => {
    const inner = idempotentOrders();
    let slow = true;
    // The first answer comes after the cart gave up waiting (the order is placed all the same).
    const orders = await scriptedServer(t, async (req) => {
      const answer = inner(req);
      if (slow) {
        slow = false;
        await sleep(1_500);
      }
      return answer;
    });
    const s = await setup(t, { ORDERS_URL: orders.url, ORDERS_TIMEOUT_MS: 500, ORDERS_RETRIES: 0 });
    await filledCart(s, s.customer.token);
    const request = body();
    const lost = await checkout(s, s.customer.token, 'k', request);
    t.equal(lost.statusCode, 503);
    t.equal((await myCart(s, s.bearer(s.customer.token))).lines.length, 2, 'the cart as it was');
    t.equal(inner.placed.size, 1, 'orders did place it');

    const retry = await checkout(s, s.customer.token, 'k', request);
    t.equal(retry.statusCode, 201);
    t.equal(retry.json().order.id, [...inner.placed.values()][0].id, 'the same order');
    t.equal(inner.placed.size, 1, 'no second order');
    t.same((await myCart(s, s.bearer(s.customer.token))).lines, []);
  },
);

t.test('an empty cart: 422 cart-empty', async (t) => {
  const orders = await scriptedServer(t, idempotentOrders());
  const s = await setup(t, { ORDERS_URL: orders.url });
  const res = await checkout(s, s.customer.token, 'k', body());
  t.equal(res.statusCode, 422);
  t.equal(res.json().type, `${PROBLEMS}cart-empty`);
  t.equal(orders.requests.length, 0);
});

t.test(
  'a shipping option goes to orders as it is; the order comes back with its shipping line',
  async (t) => {
    const orders = await scriptedServer(t, (req) => {
      const order = placedOrder(req);
      const price = { amount: '4.90', currency: 'EUR' };
      return {
        status: 201,
        body: {
          ...order,
          subtotal: { amount: '12.00', currency: 'EUR' },
          shipping: { ...req.body.shipping, price },
          total: { amount: '16.90', currency: 'EUR' },
        },
      };
    });
    const s = await setup(t, { ORDERS_URL: orders.url });
    await filledCart(s, s.customer.token);
    const shipping = { quoteId: uuidv7(), level: 'express' };
    const res = await checkout(s, s.customer.token, 'with-shipping', body({ shipping }));
    t.equal(res.statusCode, 201, res.body);
    t.same(orders.requests[0]!.body.shipping, shipping, 'sent to orders unchanged');
    t.same(res.json().order.shipping, { ...shipping, price: { amount: '4.90', currency: 'EUR' } });
    t.same(res.json().order.total, { amount: '16.90', currency: 'EUR' });

    const bad = await checkout(
      s,
      s.customer.token,
      'bad-level',
      body({ shipping: { ...shipping, level: 'overnight' } }),
    );
    t.equal(bad.statusCode, 400, 'an unknown level is refused here');
    t.equal(orders.requests.length, 1, 'and not sent');
  },
);

t.test(
  'orders refuses the shipping option (422 naming the field): passed through, cart intact',
  async (t) => {
    const orders = await scriptedServer(t, () => ({
      status: 422,
      body: {
        type: `${PROBLEMS}shipping-quote-mismatch`,
        title: 'The shipping quote does not fit the order',
        status: 422,
        detail: 'The shipping quote does not fit the order: the quote is for DE, the order ships to GB',
        errors: [{ path: 'body/shipping/quoteId', message: 'was made for another destination' }],
        differences: ['the quote is for DE, the order ships to GB'],
      },
    }));
    const s = await setup(t, { ORDERS_URL: orders.url });
    await filledCart(s, s.customer.token);
    const before = await s.fingerprint();
    const res = await checkout(
      s,
      s.customer.token,
      'k',
      body({ shipping: { quoteId: uuidv7(), level: 'standard' } }),
    );
    t.equal(res.statusCode, 422);
    t.equal(res.headers['content-type'], PROBLEM);
    t.match(res.json(), {
      type: `${PROBLEMS}shipping-quote-mismatch`,
      errors: [{ path: 'body/shipping/quoteId' }],
      differences: ['the quote is for DE, the order ships to GB'],
    });
    t.same(await s.fingerprint(), before, 'the cart as it was, no key kept');
  },
);
