// Tracking: events out of order and twice still give exactly one shipment.shipped and one
// shipment.delivered per parcel, orderShipped / orderDelivered true exactly once for the order;
// exceptions are shown to admins, counted, and cleared by a later progress event.
import t from 'tap';
import { setup, uuidv7 } from './shipment-helpers.ts';

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

t.test(
  'a split order tracked out of order and twice: one shipped and one delivered per parcel',
  async (t) => {
    const s = await setup(t);
    const p = uuidv7();
    const o = s.order({
      lines: [{ productId: p, quantity: 3 }],
      allocations: [
        { store: s.store('A'), productId: p, quantity: 1 },
        { store: s.store('B'), productId: p, quantity: 2 },
      ],
    });
    const [first, second] = await s.confirmedAndBooked(o, 2);
    const report = (tn: string, status: any, occurredAt: string, eventId?: string) =>
      s.webhook({ trackingNumber: tn, status, occurredAt, eventId });

    // The first parcel: delivered is heard before picked_up and in_transit.
    const delivered1 = await report(first.trackingNumber, 'delivered', minutesAgo(10));
    t.equal(delivered1.res.statusCode, 200);
    await report(first.trackingNumber, 'picked_up', minutesAgo(50));
    await report(first.trackingNumber, 'in_transit', minutesAgo(30));
    let shipped = await s.outbox('shipment.shipped', o.orderId);
    let delivered = await s.outbox('shipment.delivered', o.orderId);
    t.same(
      shipped.map((e) => [e.data.shipmentId, e.data.orderShipped]),
      [[first.id, false]],
      'delivered first: shipment.shipped written for it, the order is not shipped yet',
    );
    t.same(
      delivered.map((e) => [e.data.shipmentId, e.data.orderDelivered]),
      [[first.id, false]],
    );
    const one = (
      await s.app.inject({ method: 'GET', url: `/shippings/${first.id}`, headers: s.customer.headers })
    ).json();
    t.equal(one.status, 'delivered', 'a late in_transit does not move it back');
    t.same(
      one.tracking.map((e: any) => e.status),
      ['picked_up', 'in_transit', 'delivered'],
      'the history in the order it happened',
    );

    // The second parcel: picked up twice (the carrier redelivering), then delivered twice.
    const picked = await report(second.trackingNumber, 'picked_up', minutesAgo(40));
    await report(second.trackingNumber, 'picked_up', minutesAgo(40), picked.body.eventId);
    const done = await report(second.trackingNumber, 'delivered', minutesAgo(5));
    const again = await report(second.trackingNumber, 'delivered', minutesAgo(5), done.body.eventId);
    t.same(again.res.json(), { accepted: true, duplicate: true });

    shipped = await s.outbox('shipment.shipped', o.orderId);
    delivered = await s.outbox('shipment.delivered', o.orderId);
    t.same(
      shipped.map((e) => [e.data.shipmentId, e.data.orderShipped]),
      [
        [first.id, false],
        [second.id, true],
      ],
      'one shipment.shipped per parcel; orderShipped once, on the last one picked up',
    );
    t.same(
      delivered.map((e) => [e.data.shipmentId, e.data.orderDelivered]),
      [
        [first.id, false],
        [second.id, true],
      ],
      'one shipment.delivered per parcel; orderDelivered once',
    );
    t.match(shipped[1]!.data, {
      orderId: o.orderId,
      userId: o.userId,
      carrier: 'test-carrier',
      trackingNumber: second.trackingNumber,
      lines: second.lines,
    });
  },
);

t.test('parcels of one order reported at the same moment: orderShipped exactly once', async (t) => {
  const s = await setup(t);
  const p = uuidv7();
  const o = s.order({
    lines: [{ productId: p, quantity: 3 }],
    allocations: ['A', 'B', 'C'].map((code) => ({ store: s.store(code), productId: p, quantity: 1 })),
  });
  const parcels = await s.confirmedAndBooked(o, 3);
  const answers = await Promise.all(
    parcels.map((x) => s.webhook({ trackingNumber: x.trackingNumber, status: 'picked_up' })),
  );
  t.same(
    answers.map((a) => a.res.statusCode),
    [200, 200, 200],
  );
  const shipped = await s.outbox('shipment.shipped', o.orderId);
  t.equal(shipped.length, 3);
  t.equal(shipped.filter((e) => e.data.orderShipped).length, 1, 'exactly one says the order shipped');
});

t.test('an exception: shown to admins, counted, cleared by a later progress event', async (t) => {
  const s = await setup(t);
  const p = uuidv7();
  const o = s.order({
    lines: [{ productId: p, quantity: 1 }],
    allocations: [{ store: s.store('A'), productId: p, quantity: 1 }],
  });
  const [shipment] = await s.confirmedAndBooked(o, 1);
  await s.webhook({
    trackingNumber: shipment.trackingNumber,
    status: 'picked_up',
    occurredAt: minutesAgo(60),
  });
  const reported = await s.webhook({
    trackingNumber: shipment.trackingNumber,
    status: 'exception',
    code: 'ADDRESS_NOT_FOUND',
    description: 'No such street',
    occurredAt: minutesAgo(30),
  });
  t.equal(reported.res.statusCode, 200);
  t.equal(await s.metric('shipping_exceptions_total', { code: 'ADDRESS_NOT_FOUND' }), 1, 'counted by code');
  const events = await s.outbox('shipment.exception', o.orderId);
  t.equal(events.length, 1);
  t.match(events[0]!.data, {
    shipmentId: shipment.id,
    code: 'ADDRESS_NOT_FOUND',
    description: 'No such street',
  });

  const exceptions = () =>
    s.app.inject({ method: 'GET', url: '/shippings?status=exception', headers: s.admin.headers });
  const listed = (await exceptions()).json();
  t.same(
    listed.items.map((x: any) => x.id),
    [shipment.id],
    'admins find the parcels with a problem',
  );
  t.match(listed.items[0].exception, { code: 'ADDRESS_NOT_FOUND', description: 'No such street' });
  t.equal(listed.items[0].status, 'picked_up', 'the progress stays where it was');

  // A progress event that happened BEFORE the exception (heard late) does not clear it.
  await s.webhook({
    trackingNumber: shipment.trackingNumber,
    status: 'in_transit',
    occurredAt: minutesAgo(40),
  });
  t.equal((await exceptions()).json().items.length, 1, 'an older event does not clear it');
  await s.webhook({
    trackingNumber: shipment.trackingNumber,
    status: 'out_for_delivery',
    occurredAt: minutesAgo(5),
  });
  t.same((await exceptions()).json().items, [], 'a later progress event clears it');
  const detail = (
    await s.app.inject({ method: 'GET', url: `/shippings/${shipment.id}`, headers: s.customer.headers })
  ).json();
  t.equal(detail.status, 'out_for_delivery');
  t.notOk(detail.exception);
  t.equal(detail.tracking.length, 4, 'every event is in the history, the exception too');
});
