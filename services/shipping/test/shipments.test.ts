// Shipments from confirmed orders: one per store that holds the stock, whichever of stock.reserved and
// order.confirmed comes first; booking with the carrier (retried while it is down, booking_failed
// when it refuses); the reads and the label, with their ownership rules.
import type { OrderCancelled } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { recordProduct } from '../src/persistence/products.ts';
import { ADDRESS, eventually, PROBLEM, setup, uuidv7 } from './shipment-helpers.ts';

t.test('a split order gets one shipment per store, whichever event comes first', async (t) => {
  const s = await setup(t);
  const [p1, p2] = [uuidv7(), uuidv7()];
  const a = s.store('A');
  const b = s.store('B');
  const split = () =>
    s.order({
      lines: [
        { productId: p1, quantity: 3 },
        { productId: p2, quantity: 1 },
      ],
      allocations: [
        { store: a, productId: p1, quantity: 2 },
        { store: b, productId: p1, quantity: 1 },
        { store: b, productId: p2, quantity: 1 },
      ],
      level: 'express',
    });

  for (const first of ['stock.reserved', 'order.confirmed'] as const) {
    const o = split();
    const reserved = o.stockReserved();
    const confirmed = o.orderConfirmed();
    const [e1, e2] = first === 'stock.reserved' ? [reserved, confirmed] : [confirmed, reserved];
    await s.publish(e1);
    await s.handled(e1);
    t.same(await s.shipmentsOf(o.orderId), [], `${first} alone creates nothing`);
    await s.publish(e2);
    await s.handled(e2);
    const shipments = await s.booked(o.orderId, 2);
    const byStore = new Map(shipments.map((x) => [x.storeId, x]));
    t.same(
      byStore.get(a.storeId)?.lines,
      [{ productId: p1, quantity: 2 }],
      `${first} first: store A ships its 2 units`,
    );
    t.same(
      byStore.get(b.storeId)?.lines.sort((x: any, y: any) => x.productId.localeCompare(y.productId)),
      [
        { productId: p1, quantity: 1 },
        { productId: p2, quantity: 1 },
      ].sort((x, y) => x.productId.localeCompare(y.productId)),
      `${first} first: store B ships the rest`,
    );
    for (const x of shipments) {
      t.equal(x.level, 'express', 'the level chosen at checkout');
      t.equal(x.status, 'label_created');
      t.same(x.to, { name: ADDRESS.name, lines: ['1 Market Street', '10115 Berlin'], country: 'DE' });
      t.equal(x.labelUrl, `/shippings/${x.id}/label`);
    }
    t.equal(byStore.get(a.storeId)?.from.name, 'Store A', "the store's name is the sender");
    t.same(byStore.get(a.storeId)?.from.lines, ['A Road 5', '20095 Hamburg']);

    const created = await s.outbox('shipment.created', o.orderId);
    t.equal(created.length, 2, 'shipment.created once per parcel');
    t.same(
      created.map((e) => e.data.trackingNumber).sort(),
      shipments.map((x) => x.trackingNumber).sort(),
      'the events carry the tracking numbers',
    );
  }
  const references = s.carrier.calls.map((c) => c.reference);
  t.equal(new Set(references).size, 4, 'each parcel was booked with its own reference');
});

t.test('both events at once for many orders: each order gets its parcels, once', async (t) => {
  const s = await setup(t);
  const p = uuidv7();
  const [a, b] = [s.store('A'), s.store('B')];
  const orders = Array.from({ length: 6 }, () =>
    s.order({
      lines: [{ productId: p, quantity: 2 }],
      allocations: [
        { store: a, productId: p, quantity: 1 },
        { store: b, productId: p, quantity: 1 },
      ],
    }),
  );
  const events = orders.flatMap((o, i) =>
    i % 2 ? [o.stockReserved(), o.orderConfirmed()] : [o.orderConfirmed(), o.stockReserved()],
  );
  await s.publish(...events);
  for (const o of orders) {
    const parcels = await s.booked(o.orderId, 2);
    t.same(parcels.map((x) => x.storeId).sort(), [a.storeId, b.storeId].sort(), 'one parcel per store');
  }
  t.equal((await s.outbox('shipment.created')).length, 12, 'one shipment.created per parcel');
});

t.test('two replicas share the booking: every parcel is booked once', async (t) => {
  const s = await setup(t);
  const replica = await buildApp(s.config, {
    jwks: s.auth.jwks,
    retryDelaysMs: [200, 500],
    carrier: s.carrier.carrier,
  });
  t.teardown(() => replica.close());
  const p = uuidv7();
  const [a, b] = [s.store('A'), s.store('B')];
  const orders = Array.from({ length: 8 }, () =>
    s.order({
      lines: [{ productId: p, quantity: 2 }],
      allocations: [
        { store: a, productId: p, quantity: 1 },
        { store: b, productId: p, quantity: 1 },
      ],
    }),
  );
  await s.publish(...orders.flatMap((o) => [o.stockReserved(), o.orderConfirmed()]));
  for (const o of orders) await s.booked(o.orderId, 2);
  const perReference = new Map<string, number>();
  for (const c of s.carrier.calls) perReference.set(c.reference, (perReference.get(c.reference) ?? 0) + 1);
  t.equal(perReference.size, 16, 'every parcel was booked');
  t.same([...new Set(perReference.values())], [1], 'each exactly once');
  t.equal((await s.outbox('shipment.created')).length, 16);
});

t.test('the same events again, and an older revision, create nothing more', async (t) => {
  const s = await setup(t);
  const p = uuidv7();
  const a = s.store('A');
  const b = s.store('B');
  const o = s.order({
    revision: 2,
    lines: [{ productId: p, quantity: 2 }],
    allocations: [{ store: a, productId: p, quantity: 2 }],
  });
  // Revision 1's reservation (from store B) arrives late, after revision 2's.
  const current = o.stockReserved();
  const stale = o.stockReserved({
    revision: 1,
    allocations: [{ storeId: b.storeId, productId: p, quantity: 2 }],
    stores: [b],
  });
  await s.publish(current);
  await s.handled(current);
  await s.publish(stale);
  await s.handled(stale);
  const confirmed = o.orderConfirmed();
  await s.publish(confirmed);
  await s.handled(confirmed);
  const [only] = await s.booked(o.orderId, 1);
  t.equal(only.storeId, a.storeId, "the latest revision's store ships");

  // A copy of each with new message ids (a producer retrying) changes nothing.
  const again = [o.stockReserved(), o.orderConfirmed()];
  await s.publish(...again);
  for (const e of again) await s.handled(e);
  t.equal((await s.shipmentsOf(o.orderId)).length, 1, 'still one shipment');
  t.equal((await s.outbox('shipment.created', o.orderId)).length, 1, 'one shipment.created');
});

t.test('order.confirmed without an address (older events) creates no shipment', async (t) => {
  const s = await setup(t);
  const p = uuidv7();
  const o = s.order({
    lines: [{ productId: p, quantity: 1 }],
    allocations: [{ store: s.store('A'), productId: p, quantity: 1 }],
    address: null,
  });
  const events = [o.stockReserved(), o.orderConfirmed()];
  await s.publish(...events);
  for (const e of events) await s.handled(e);
  t.same(await s.shipmentsOf(o.orderId), []);
});

t.test(
  'booking: the carrier down is retried with the same reference; a refusal is booking_failed',
  async (t) => {
    const s = await setup(t);
    let downFor = 2;
    s.carrier.answerWith((parcel) => {
      if (parcel.to.country === 'XX') return { kind: 'refused', reason: 'unsupported country' };
      if (downFor > 0) {
        downFor--;
        return { kind: 'unavailable', detail: 'timeout' };
      }
      return undefined;
    });
    const p = uuidv7();
    const o = s.order({
      lines: [{ productId: p, quantity: 1 }],
      allocations: [{ store: s.store('A'), productId: p, quantity: 1 }],
    });
    const [shipment] = await s.confirmedAndBooked(o, 1);
    const tries = s.carrier.calls.filter((c) => c.reference === shipment.id);
    t.equal(tries.length, 3, 'two unavailable answers, then booked');
    t.equal(tries[0]!.kind, 'outbound');
    t.equal(tries[0]!.weightGrams, 500, 'the default weight of a product without one');

    const refused = s.order({
      lines: [{ productId: p, quantity: 1 }],
      allocations: [{ store: s.store('B'), productId: p, quantity: 1 }],
      address: { ...ADDRESS, country: 'XX' },
    });
    const events = [refused.stockReserved(), refused.orderConfirmed()];
    await s.publish(...events);
    for (const e of events) await s.handled(e);
    const [failed] = await eventually(async () => {
      const items = await s.shipmentsOf(refused.orderId);
      if (items[0]?.status !== 'booking_failed') throw new Error(JSON.stringify(items));
      return items;
    });
    t.equal(failed.bookingError, 'unsupported country', 'the reason is shown to admins');
    t.notOk(failed.trackingNumber);
    t.same(await s.outbox('shipment.created', refused.orderId), [], 'no shipment.created');
    const listed = await s.app.inject({
      method: 'GET',
      url: '/shippings?status=booking_failed',
      headers: s.admin.headers,
    });
    t.same(
      listed.json().items.map((x: any) => x.id),
      [failed.id],
      'admins find the parcels that could not be booked',
    );
    t.equal(await s.metric('shipping_bookings_total', { kind: 'outbound', outcome: 'refused' }), 1);
    t.equal(await s.metric('shipping_bookings_failed_total', { kind: 'outbound' }), 1);
    t.equal(await s.metric('shipping_bookings_total', { kind: 'outbound', outcome: 'unavailable' }), 2);

    const label = await s.app.inject({
      method: 'GET',
      url: `/shippings/${failed.id}/label`,
      headers: s.admin.headers,
    });
    t.equal(label.statusCode, 409, 'no label for a refused parcel');
    t.match(label.json(), { type: 'https://mercato.dev/problems/label-not-ready' });
  },
);

t.test("a parcel weighs its products' weightGrams (the default for one without)", async (t) => {
  const s = await setup(t);
  const [heavy, plain] = [uuidv7(), uuidv7()];
  // The product read model as catalog's events fill it.
  await s.app.orm.em.fork().transactional(async (em) => {
    await recordProduct(em, {
      productId: heavy,
      name: 'Heavy',
      price: { amount: '10.00', currency: 'EUR' },
      active: true,
      weightGrams: 1200,
      version: 1,
    });
  });
  const store = s.store('A');
  const o = s.order({
    lines: [
      { productId: heavy, quantity: 2 },
      { productId: plain, quantity: 1 },
    ],
    allocations: [
      { store, productId: heavy, quantity: 2 },
      { store, productId: plain, quantity: 1 },
    ],
  });
  const [shipment] = await s.confirmedAndBooked(o, 1);
  t.equal(shipment.weightGrams, 2 * 1200 + 500);
  t.equal(s.carrier.calls.find((c) => c.reference === shipment.id)?.weightGrams, 2900, 'booked with it');
});

t.test('reads: own shipments only, admins see all; another customer gets 404 everywhere', async (t) => {
  const s = await setup(t);
  const p = uuidv7();
  const o = s.order({
    lines: [{ productId: p, quantity: 1 }],
    allocations: [{ store: s.store('A'), productId: p, quantity: 1 }],
  });
  const [shipment] = await s.confirmedAndBooked(o, 1);

  const mine = await s.app.inject({ method: 'GET', url: '/shippings', headers: s.customer.headers });
  t.equal(mine.statusCode, 200);
  t.same(
    mine.json().items.map((x: any) => x.id),
    [shipment.id],
  );
  const theirs = await s.app.inject({ method: 'GET', url: '/shippings', headers: s.other.headers });
  t.same(theirs.json(), { items: [], page: 1, pageSize: 20, total: 0 }, "another customer's list is empty");
  const filtered = await s.app.inject({
    method: 'GET',
    url: `/shippings?orderId=${o.orderId}`,
    headers: s.other.headers,
  });
  t.same(filtered.json().items, [], 'even filtered by the order id');

  const one = await s.app.inject({
    method: 'GET',
    url: `/shippings/${shipment.id}`,
    headers: s.customer.headers,
  });
  t.equal(one.statusCode, 200);
  t.same(one.json().tracking, [], 'no tracking events yet');
  t.equal(
    (await s.app.inject({ method: 'GET', url: `/shippings/${shipment.id}`, headers: s.admin.headers }))
      .statusCode,
    200,
    'an admin reads it',
  );
  for (const url of [`/shippings/${shipment.id}`, `/shippings/${shipment.id}/label`]) {
    const res = await s.app.inject({ method: 'GET', url, headers: s.other.headers });
    t.equal(res.statusCode, 404, `another customer: ${url} is 404`);
    t.equal(res.headers['content-type'], PROBLEM);
  }
  const missing = await s.app.inject({
    method: 'GET',
    url: `/shippings/${uuidv7()}`,
    headers: s.admin.headers,
  });
  t.equal(missing.statusCode, 404);

  const anonymous = await s.app.inject({ method: 'GET', url: `/shippings/${shipment.id}` });
  t.equal(anonymous.statusCode, 401, 'no token: 401');
  for (const url of ['/shippings/not-a-uuid', '/shippings?status=lost', '/shippings?pageSize=1000']) {
    const res = await s.app.inject({ method: 'GET', url, headers: s.customer.headers });
    t.equal(res.statusCode, 400, `malformed: ${url}`);
    t.equal(res.headers['content-type'], PROBLEM);
  }
});

t.test('the label: 409 while booking, a PDF once booked', async (t) => {
  const s = await setup(t);
  let hold = true;
  s.carrier.answerWith(() => (hold ? { kind: 'unavailable', detail: 'held by the test' } : undefined));
  const p = uuidv7();
  const o = s.order({
    lines: [{ productId: p, quantity: 1 }],
    allocations: [{ store: s.store('A'), productId: p, quantity: 1 }],
  });
  const events = [o.stockReserved(), o.orderConfirmed()];
  await s.publish(...events);
  for (const e of events) await s.handled(e);
  const [booking] = await eventually(async () => {
    const items = await s.shipmentsOf(o.orderId);
    if (items.length !== 1) throw new Error('not created yet');
    return items;
  });
  t.equal(booking.status, 'booking');
  const early = await s.app.inject({
    method: 'GET',
    url: `/shippings/${booking.id}/label`,
    headers: s.customer.headers,
  });
  t.equal(early.statusCode, 409);
  t.match(early.json(), { type: 'https://mercato.dev/problems/label-not-ready' });

  hold = false;
  await s.booked(o.orderId, 1);
  const label = await s.app.inject({
    method: 'GET',
    url: `/shippings/${booking.id}/label`,
    headers: s.customer.headers,
  });
  t.equal(label.statusCode, 200, 'the label once booked');
  t.match(label.headers['content-type'], /application\/pdf/);
  t.equal(label.rawPayload.subarray(0, 5).toString(), '%PDF-');
});

t.test('a cancelled order: no shipments from then on, parcels not picked up are cancelled', async (t) => {
  const s = await setup(t);
  const p = uuidv7();
  const cancelled = (o: ReturnType<typeof s.order>) =>
    envelope<OrderCancelled>(
      'order.cancelled',
      { orderId: o.orderId, userId: o.userId, reason: 'admin', previousStatus: 'CONFIRMED' },
      { source: 'orders', correlationId: o.orderId },
    );

  // Cancelled while PENDING after the stock was reserved: a late order.confirmed creates nothing.
  const early = s.order({
    lines: [{ productId: p, quantity: 1 }],
    allocations: [{ store: s.store('A'), productId: p, quantity: 1 }],
  });
  for (const e of [early.stockReserved(), cancelled(early), early.orderConfirmed()]) {
    await s.publish(e);
    await s.handled(e);
  }
  t.same(await s.shipmentsOf(early.orderId), [], 'no shipment for a cancelled order');

  // Cancelled once CONFIRMED: one parcel booked, one already picked up.
  const late = s.order({
    lines: [{ productId: p, quantity: 2 }],
    allocations: [
      { store: s.store('B'), productId: p, quantity: 1 },
      { store: s.store('C'), productId: p, quantity: 1 },
    ],
  });
  const [first, second] = await s.confirmedAndBooked(late, 2);
  await s.webhook({ trackingNumber: first.trackingNumber, status: 'picked_up' });
  const cancel = cancelled(late);
  await s.publish(cancel);
  await s.handled(cancel);
  const after = new Map((await s.shipmentsOf(late.orderId)).map((x) => [x.id, x.status]));
  t.equal(after.get(first.id), 'picked_up', 'a parcel on its way stays as it is');
  t.equal(after.get(second.id), 'cancelled', 'the parcel not picked up is cancelled');

  const shippedBefore = (await s.outbox('shipment.shipped', late.orderId)).length;
  const { res } = await s.webhook({ trackingNumber: second.trackingNumber, status: 'picked_up' });
  t.equal(res.statusCode, 200, 'the carrier is answered');
  t.equal((await s.outbox('shipment.shipped', late.orderId)).length, shippedBefore, 'but nothing follows');
  const label = await s.app.inject({
    method: 'GET',
    url: `/shippings/${second.id}/label`,
    headers: s.customer.headers,
  });
  t.equal(label.statusCode, 200, "a cancelled parcel's label is still readable (it was printed)");
});
