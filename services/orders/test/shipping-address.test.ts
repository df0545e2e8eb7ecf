// The address on the order: only one of the caller's addresses is accepted (422 naming the field
// otherwise), identity's silence is a 503 that writes nothing, and the order keeps a snapshot of the
// address (view, order.placed, order.lines_changed) that later edits of the address do not reach.
// The first tests use the in-memory book of helpers.ts; the last ones identity's HTTP adapter
// against a small stand-in for identity's GET /addresses/{id}.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpProblem, ServiceClient } from '@mercato/kit';
import { deleteConsumerTopology, isolatedSchema, testAuth, uniqueName } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { buildApp } from '../src/app.ts';
import { identityAddressBook } from '../src/persistence/address-book.ts';
import { CONSUMERS, eventually, PROBLEM, setup, TEST_ADDRESS, testConfig } from './helpers.ts';

const card = { type: 'card' as const, token: 'tok_visa' };
const PROBLEM_BASE = 'https://mercato.dev/problems/';

t.test("another customer's address or an unknown one is 422 naming the field; nothing written", async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const theirs = uuidv7();
  s.addresses.add(theirs, s.other.id);
  const gone = uuidv7();
  s.addresses.forget(gone);
  const before = await s.counts();
  for (const [why, token, shippingAddressId] of [
    ["another customer's", s.customer.token, theirs],
    ['unknown', s.customer.token, gone],
    // An admin's order ships to the admin: a customer's address is not theirs either.
    ["a customer's, by an admin", s.admin.token, theirs],
  ] as const) {
    const res = await s.app.inject({
      method: 'POST',
      url: '/orders',
      headers: { ...s.bearer(token), 'idempotency-key': uuidv7() },
      payload: {
        lines: [{ productId: book.productId, quantity: 1 }],
        shippingAddressId,
        paymentMethod: card,
      },
    });
    t.equal(res.statusCode, 422, why);
    t.equal(res.headers['content-type'], PROBLEM);
    t.match(res.json(), {
      type: `${PROBLEM_BASE}unknown-shipping-address`,
      errors: [{ path: 'body/shippingAddressId', message: String }],
    });
  }
  t.same(await s.counts(), before, 'no order, no event, no key');

  // Its owner may ship to it.
  const own = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: s.bearer(s.other.token),
    payload: {
      lines: [{ productId: book.productId, quantity: 1 }],
      shippingAddressId: theirs,
      paymentMethod: card,
    },
  });
  t.equal(own.statusCode, 201);
  t.same(
    s.addresses.state.reads.at(-1),
    { id: theirs, authorization: `Bearer ${s.other.token}` },
    "the address is read as the caller (the caller's own token)",
  );
});

t.test('the order keeps the address as it was; order.placed and order.lines_changed carry it', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const pen = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
  const addressId = uuidv7();
  const home = { street: '1 Market Street', city: 'Berlin', postalCode: '10115', country: 'DE' };
  s.addresses.add(addressId, s.customer.id, home);
  const auth = s.bearer(s.customer.token);
  const placed = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: auth,
    payload: {
      lines: [{ productId: book.productId, quantity: 1 }],
      shippingAddressId: addressId,
      paymentMethod: card,
    },
  });
  t.equal(placed.statusCode, 201);
  const order = placed.json();
  t.same(order.shippingAddress, home, 'no recipient named: no name');

  // The customer edits the address (and then deletes it) in identity: the order does not follow.
  s.addresses.add(addressId, s.customer.id, { ...TEST_ADDRESS, street: '99 Elsewhere Road' });
  const added = await s.app.inject({
    method: 'POST',
    url: `/orders/${order.id}/items`,
    headers: auth,
    payload: { productId: pen.productId, quantity: 1 },
  });
  t.equal(added.statusCode, 201);
  s.addresses.forget(addressId);
  const read = await s.app.inject({ method: 'GET', url: `/orders/${order.id}`, headers: auth });
  t.same(read.json().shippingAddress, home, 'still the address as ordered');
  t.equal(read.json().shippingAddressId, addressId);
  const listed = await s.app.inject({ method: 'GET', url: '/orders', headers: auth });
  t.same(listed.json().items[0].shippingAddress, home);

  const [first] = await eventually(async () => {
    const found = s.events.of('order.placed', order.id);
    if (found.length === 0) throw new Error('order.placed not published yet');
    return found;
  });
  t.same(first!.data.shippingAddress, home);
  const [changed] = await eventually(async () => {
    const found = s.events.of('order.lines_changed', order.id);
    if (found.length === 0) throw new Error('order.lines_changed not published yet');
    return found;
  });
  t.same(changed!.data.shippingAddress, home, 'a new revision carries the same snapshot');
});

t.test('identity down: 503 and nothing written; a replayed Idempotency-Key still answers', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const payload = {
    lines: [{ productId: book.productId, quantity: 1 }],
    shippingAddressId: uuidv7(),
    paymentMethod: card,
  };
  const key = uuidv7();
  const post = (idempotencyKey: string) =>
    s.app.inject({
      method: 'POST',
      url: '/orders',
      headers: { ...s.bearer(s.customer.token), 'idempotency-key': idempotencyKey },
      payload,
    });
  const first = await post(key);
  t.equal(first.statusCode, 201);

  s.addresses.state.down = true;
  const before = await s.counts();
  const refused = await post(uuidv7());
  t.equal(refused.statusCode, 503);
  t.equal(refused.headers['content-type'], PROBLEM);
  t.match(refused.json(), { type: `${PROBLEM_BASE}upstream-unavailable` });
  t.same(await s.counts(), before, 'nothing written');

  const replay = await post(key);
  t.equal(replay.statusCode, 201, 'the first answer to a key needs no address read');
  t.equal(replay.json().id, first.json().id);
  t.equal(replay.headers['idempotent-replayed'], 'true');
});

/**
 * A stand-in for identity's GET /addresses/{id}: the caller is the token's `sub` (a JWT's payload,
 * read without verifying: orders verified it already) or the bare bearer string; admins see all.
 */
function callerOf(authorization: string | undefined): { sub: string; role?: string } | undefined {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return { sub: token };
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as { sub: string; role?: string };
}

async function fakeIdentity(t: Tap) {
  const addresses = new Map<string, Record<string, unknown>>();
  const seen: { url?: string; authorization?: string }[] = [];
  let answer: number | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (answer) return send(answer, { title: 'forced' });
    const caller = callerOf(req.headers.authorization);
    if (!caller) return send(401, { title: 'Unauthorized' });
    const id = /^\/addresses\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    const address = id ? addresses.get(id) : undefined;
    if (!address || (caller.role !== 'admin' && address.userId !== caller.sub))
      return send(404, { title: 'Not Found' });
    send(200, address);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    add(userId: string, fields: Record<string, unknown>) {
      const id = uuidv7();
      addresses.set(id, { id, userId, isDefault: false, ...fields });
      return id;
    },
    answer(status: number | undefined) {
      answer = status;
    },
  };
}
type Tap = { teardown(fn: () => unknown): void };

t.test("identity's HTTP adapter: 200 mapped (recipient as name), 404 unknown, failures 503", async (t) => {
  const identity = await fakeIdentity(t);
  const book = identityAddressBook(
    new ServiceClient({
      service: 'identity',
      baseUrl: identity.url,
      timeoutMs: 500,
      retries: 1,
      retryDelayMs: 1,
    }),
  );
  const alice = uuidv7();
  const id = identity.add(alice, {
    recipient: 'Alice Liddell',
    street: '7 Rabbit Hole',
    city: 'Oxford',
    postalCode: 'OX1 1AA',
    country: 'GB',
  });
  const found = await book.find({ sub: alice, authorization: `Bearer ${alice}` }, id);
  t.same(found, {
    userId: alice,
    address: {
      name: 'Alice Liddell',
      street: '7 Rabbit Hole',
      city: 'Oxford',
      postalCode: 'OX1 1AA',
      country: 'GB',
    },
  });
  t.same(
    identity.seen.at(-1),
    { url: `/addresses/${id}`, authorization: `Bearer ${alice}` },
    'as the caller',
  );
  t.equal(
    await book.find({ sub: 'bob', authorization: 'Bearer bob' }, id),
    undefined,
    "another's is unknown",
  );
  t.equal(await book.find({ sub: alice, authorization: `Bearer ${alice}` }, uuidv7()), undefined);
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof HttpProblem ? { status: e.status, type: e.type } : e),
    );
  t.same(
    await failure(book.find({ sub: alice }, id)),
    { status: 401, type: `${PROBLEM_BASE}unauthorized` },
    'a refused token stays a 401',
  );

  identity.answer(500);
  t.same(await failure(book.find({ sub: alice, authorization: `Bearer ${alice}` }, id)), {
    status: 503,
    type: `${PROBLEM_BASE}upstream-unavailable`,
  });
  identity.answer(undefined);

  const nowhere = identityAddressBook(
    new ServiceClient({ service: 'identity', baseUrl: 'http://127.0.0.1:1', timeoutMs: 500, retries: 0 }),
  );
  const err = await nowhere
    .find({ sub: alice, authorization: `Bearer ${alice}` }, id)
    .catch((e: unknown) => e);
  t.ok(err instanceof HttpProblem && err.status === 503, 'unreachable: 503');
});

t.test('buildApp without a book reads IDENTITY_URL: the whole placement over HTTP', async (t) => {
  const identity = await fakeIdentity(t);
  const schema = await isolatedSchema(t, 't_orders_addr');
  const exchange = uniqueName('t_orders_addr_ex');
  const auth = await testAuth();
  const app = await buildApp(
    testConfig(schema, exchange, { IDENTITY_URL: identity.url, IDENTITY_TIMEOUT_MS: 500 }),
    {
      jwks: auth.jwks,
      retryDelaysMs: [200],
    },
  );
  t.teardown(async () => {
    await app.close();
    await deleteConsumerTopology(exchange, CONSUMERS, [200]);
  });
  const productId = uuidv7();
  await app.orm.em.fork().execute(
    `insert into "${schema}".product_price (product_id, name, amount, currency, active, deleted, version, updated_at)
     values (?, 'Book', 5, 'EUR', true, false, 1, now())`,
    [productId],
  );
  const user = uuidv7();
  const token = await auth.sign({ sub: user, role: 'customer' });
  const mine = identity.add(user, {
    street: '1 Main Street',
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
  });
  const theirs = identity.add(uuidv7(), {
    street: '2 Other Street',
    city: 'Bonn',
    postalCode: '53111',
    country: 'DE',
  });
  const place = (shippingAddressId: string) =>
    app.inject({
      method: 'POST',
      url: '/orders',
      headers: { authorization: `Bearer ${token}` },
      payload: { lines: [{ productId, quantity: 1 }], shippingAddressId, paymentMethod: card },
    });
  const placed = await place(mine);
  t.equal(placed.statusCode, 201, placed.body);
  t.same(placed.json().shippingAddress, {
    street: '1 Main Street',
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
  });
  t.same(identity.seen.at(-1), { url: `/addresses/${mine}`, authorization: `Bearer ${token}` });
  const refused = await place(theirs);
  t.equal(refused.statusCode, 422, "another customer's address");
  t.match(refused.json(), { type: `${PROBLEM_BASE}unknown-shipping-address` });
  identity.answer(503);
  const down = await place(mine);
  t.equal(down.statusCode, 503, 'identity answering 503 (after the retry) is a 503');
  t.equal(down.headers['retry-after'], '5');
});
