// Returns: only of a delivered order, within the window, at most what was shipped and not returned
// yet; the refund is the exact paid amount of the lines; the parcel goes to the store that shipped
// most of them; the carrier delivering it to the store is return.received, once.
import t from 'tap';
import { ADDRESS, eventually, PROBLEM, type Setup, setup, uuidv7 } from './shipment-helpers.ts';

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

/** An order of `a` (2 × 15.00, store A) and `b` (3 × 19.99: 1 from store A, 2 from store B). */
async function orderOfTwoProducts(s: Setup, opts: { userId?: string } = {}) {
  const [a, b] = [uuidv7(), uuidv7()];
  const storeA = s.store('A');
  const storeB = s.store('B');
  const o = s.order({
    userId: opts.userId,
    lines: [
      { productId: a, quantity: 2, unitPrice: '15.00' },
      { productId: b, quantity: 3, unitPrice: '19.99' },
    ],
    allocations: [
      { store: storeA, productId: a, quantity: 2 },
      { store: storeA, productId: b, quantity: 1 },
      { store: storeB, productId: b, quantity: 2 },
    ],
  });
  const parcels = await s.confirmedAndBooked(o, 2);
  return { o, a, b, storeA, storeB, parcels };
}

async function deliver(s: Setup, parcels: any[], occurredAt?: string) {
  for (const p of parcels) {
    const { res } = await s.webhook({ trackingNumber: p.trackingNumber, status: 'delivered', occurredAt });
    if (res.statusCode !== 200) throw new Error(`delivered: ${res.statusCode} ${res.body}`);
  }
}

const requestReturn = (
  s: Setup,
  headers: Record<string, string>,
  orderId: string,
  lines: { productId: string; quantity: number }[],
) => s.app.inject({ method: 'POST', url: '/shippings/returns', headers, payload: { orderId, lines } });

t.test('a return of delivered lines: priced exactly, to the right store, received once', async (t) => {
  const s = await setup(t);
  const { o, a, b, storeA, storeB, parcels } = await orderOfTwoProducts(s);

  await deliver(s, parcels.slice(0, 1));
  const early = await requestReturn(s, s.customer.headers, o.orderId, [{ productId: a, quantity: 1 }]);
  t.equal(early.statusCode, 422, 'one parcel of two delivered: not yet');
  t.equal(early.headers['content-type'], PROBLEM);
  t.match(early.json(), { type: 'https://mercato.dev/problems/order-not-delivered' });

  await deliver(s, parcels.slice(1));
  const res = await requestReturn(s, s.customer.headers, o.orderId, [
    { productId: b, quantity: 1 },
    { productId: b, quantity: 1 },
  ]);
  t.equal(res.statusCode, 201, 'accepted');
  const ret = res.json();
  t.equal(res.headers.location, `/shippings/returns/${ret.id}`);
  t.same(
    ret.lines,
    [{ productId: b, quantity: 2, amount: { amount: '39.98', currency: 'EUR' } }],
    'merged, 2 × 19.99',
  );
  t.same(ret.refund, { amount: '39.98', currency: 'EUR' }, 'the exact paid amount');
  t.equal(ret.storeId, storeB.storeId, 'store B shipped most of those units');
  t.equal(ret.userId, o.userId);
  t.equal(ret.labelUrl, `/shippings/returns/${ret.id}/label`);

  const booked = await eventually(async () => {
    const r = (
      await s.app.inject({ method: 'GET', url: `/shippings/returns/${ret.id}`, headers: s.customer.headers })
    ).json();
    if (!r.trackingNumber) throw new Error('not booked yet');
    return r;
  });
  t.equal(booked.status, 'label_created');
  const call = s.carrier.calls.find((c) => c.reference === ret.id);
  t.equal(call?.kind, 'return', 'booked with the carrier as a return');
  t.same(call?.from, { name: ADDRESS.name, lines: ['1 Market Street', '10115 Berlin'], country: 'DE' });
  t.equal(call?.to.name, 'Store B');
  const requested = await s.outbox('return.requested', o.orderId);
  t.equal(requested.length, 1);
  t.match(requested[0]!.data, {
    returnId: ret.id,
    trackingNumber: booked.trackingNumber,
    storeId: storeB.storeId,
  });

  // The carrier delivers it to the store; the same event again changes nothing.
  const delivered = await s.webhook({ trackingNumber: booked.trackingNumber, status: 'delivered' });
  t.equal(delivered.res.statusCode, 200);
  await s.webhook({
    trackingNumber: booked.trackingNumber,
    status: 'delivered',
    eventId: delivered.body.eventId,
  });
  const received = await s.outbox('return.received', o.orderId);
  t.equal(received.length, 1, 'return.received once');
  t.same(received[0]!.data, {
    returnId: ret.id,
    orderId: o.orderId,
    userId: o.userId,
    storeId: storeB.storeId,
    lines: [{ productId: b, quantity: 2, amount: { amount: '39.98', currency: 'EUR' } }],
    refund: { amount: '39.98', currency: 'EUR' },
    at: delivered.body.occurredAt,
  });
  const after = (
    await s.app.inject({ method: 'GET', url: `/shippings/returns/${ret.id}`, headers: s.customer.headers })
  ).json();
  t.equal(after.status, 'received');
  t.equal(after.tracking.length, 1);
  t.same(
    (await s.outbox('shipment.delivered', o.orderId)).length,
    2,
    'a return delivered is no shipment delivered',
  );

  // The units left: b had 3, 2 are back; a tie between the stores goes to the lowest store id.
  const tooMany = await requestReturn(s, s.customer.headers, o.orderId, [{ productId: b, quantity: 2 }]);
  t.equal(tooMany.statusCode, 409, 'only one unit of b is left to return');
  t.match(tooMany.json(), { type: 'https://mercato.dev/problems/already-returned', returnable: 1 });
  const rest = await requestReturn(s, s.customer.headers, o.orderId, [
    { productId: b, quantity: 1 },
    { productId: a, quantity: 1 },
  ]);
  t.equal(rest.statusCode, 201);
  t.same(rest.json().refund, { amount: '34.99', currency: 'EUR' }, '19.99 + 15.00');
  t.equal(rest.json().storeId, storeA.storeId, 'store A shipped both of those units');
  const again = await requestReturn(s, s.customer.headers, o.orderId, [{ productId: b, quantity: 1 }]);
  t.equal(again.statusCode, 409, 'the same line cannot be returned a second time');

  const listed = await s.app.inject({
    method: 'GET',
    url: `/shippings/returns?orderId=${o.orderId}`,
    headers: s.customer.headers,
  });
  t.equal(listed.json().total, 2);
});

t.test('two returns of the last unit at once: one is accepted, the other refused', async (t) => {
  const s = await setup(t);
  const { o, a, parcels } = await orderOfTwoProducts(s);
  await deliver(s, parcels);
  const answers = await Promise.all(
    [1, 2, 3].map(() => requestReturn(s, s.customer.headers, o.orderId, [{ productId: a, quantity: 2 }])),
  );
  t.same(answers.map((r) => r.statusCode).sort(), [201, 409, 409], 'exactly one return takes the two units');
});

t.test('the return window: closed a day after the last delivery when RETURN_WINDOW_DAYS is 1', async (t) => {
  const s = await setup(t, { RETURN_WINDOW_DAYS: 1 });
  const { o, a, parcels } = await orderOfTwoProducts(s);
  await deliver(s, parcels, daysAgo(2));
  const late = await requestReturn(s, s.customer.headers, o.orderId, [{ productId: a, quantity: 1 }]);
  t.equal(late.statusCode, 422);
  t.equal(late.headers['content-type'], PROBLEM);
  t.match(late.json(), { type: 'https://mercato.dev/problems/return-window-closed' });

  const recent = await orderOfTwoProducts(s);
  await deliver(s, recent.parcels, new Date(Date.now() - 3_600_000).toISOString());
  const inTime = await requestReturn(s, s.customer.headers, recent.o.orderId, [
    { productId: recent.a, quantity: 2 },
  ]);
  t.equal(inTime.statusCode, 201, 'an hour after the delivery is within the day');
});

t.test('ownership, bad input and the Idempotency-Key', async (t) => {
  const s = await setup(t);
  const { o, a, b, parcels } = await orderOfTwoProducts(s);
  await deliver(s, parcels);
  const before = await s.fingerprint();

  const notYours = await requestReturn(s, s.other.headers, o.orderId, [{ productId: a, quantity: 1 }]);
  t.equal(notYours.statusCode, 404, "another customer's order: 404");
  t.equal(notYours.headers['content-type'], PROBLEM);
  const unknown = await requestReturn(s, s.customer.headers, uuidv7(), [{ productId: a, quantity: 1 }]);
  t.equal(unknown.statusCode, 404, 'an order shipping does not know: 404');
  const notInOrder = await requestReturn(s, s.customer.headers, o.orderId, [
    { productId: uuidv7(), quantity: 1 },
  ]);
  t.equal(notInOrder.statusCode, 422);
  t.match(notInOrder.json(), { type: 'https://mercato.dev/problems/product-not-in-order' });
  for (const [what, payload] of [
    ['no lines', { orderId: o.orderId, lines: [] }],
    ['quantity 0', { orderId: o.orderId, lines: [{ productId: a, quantity: 0 }] }],
    ['a bad order id', { orderId: 'nope', lines: [{ productId: a, quantity: 1 }] }],
    ['an unknown field', { orderId: o.orderId, lines: [{ productId: a, quantity: 1 }], refund: '100.00' }],
    ['no body', undefined],
  ] as const) {
    const res = await s.app.inject({
      method: 'POST',
      url: '/shippings/returns',
      headers: s.customer.headers,
      ...(payload ? { payload } : {}),
    });
    t.equal(res.statusCode, 400, `${what}: 400`);
    t.equal(res.headers['content-type'], PROBLEM);
  }
  const anonymous = await s.app.inject({
    method: 'POST',
    url: '/shippings/returns',
    payload: { orderId: o.orderId, lines: [{ productId: a, quantity: 1 }] },
  });
  t.equal(anonymous.statusCode, 401);
  t.same(await s.fingerprint(), before, 'nothing was created');

  // The same key twice: one return; another request with that key: 422.
  const keyed = { ...s.customer.headers, 'idempotency-key': 'return-1' };
  const first = await requestReturn(s, keyed, o.orderId, [{ productId: a, quantity: 1 }]);
  const second = await requestReturn(s, keyed, o.orderId, [{ productId: a, quantity: 1 }]);
  t.equal(first.statusCode, 201);
  t.equal(second.statusCode, 201);
  t.equal(second.json().id, first.json().id, 'the first return again');
  t.equal(second.headers['idempotent-replayed'], 'true');
  const mismatch = await requestReturn(s, keyed, o.orderId, [{ productId: b, quantity: 1 }]);
  t.equal(mismatch.statusCode, 422, 'the key with another request');

  // Reads: own or admin; another customer gets 404 on every route.
  const id = first.json().id;
  await eventually(async () => {
    const r = (
      await s.app.inject({ method: 'GET', url: `/shippings/returns/${id}`, headers: s.admin.headers })
    ).json();
    if (!r.trackingNumber) throw new Error('not booked yet');
  });
  for (const url of [`/shippings/returns/${id}`, `/shippings/returns/${id}/label`]) {
    const res = await s.app.inject({ method: 'GET', url, headers: s.other.headers });
    t.equal(res.statusCode, 404, `another customer: ${url}`);
    t.equal(res.headers['content-type'], PROBLEM);
  }
  t.same(
    (await s.app.inject({ method: 'GET', url: '/shippings/returns', headers: s.other.headers })).json().items,
    [],
    "another customer's list is empty",
  );
  t.equal(
    (await s.app.inject({ method: 'GET', url: '/shippings/returns', headers: s.admin.headers })).json().total,
    1,
    'an admin sees it',
  );
  const label = await s.app.inject({
    method: 'GET',
    url: `/shippings/returns/${id}/label`,
    headers: s.customer.headers,
  });
  t.equal(label.statusCode, 200, 'the return label');
  t.match(label.headers['content-type'], /application\/pdf/);

  // An admin may return for the customer: the return is the customer's.
  const byAdmin = await requestReturn(s, s.admin.headers, o.orderId, [{ productId: b, quantity: 1 }]);
  t.equal(byAdmin.statusCode, 201);
  t.equal(byAdmin.json().userId, o.userId);
});
