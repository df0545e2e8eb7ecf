// shipping's tracking events move the order: the last parcel picked up → SHIPPED, every parcel
// delivered → DELIVERED (through SHIPPED when delivered comes first), each transition recorded and
// announced once, whatever the order of arrival and however often an event is delivered; a cancelled
// order does not move.
import type { ShipmentDelivered, ShipmentShipped } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { deliver, eventually, getOrder, paymentSucceeded, placeOrder, type Setup, setup } from './helpers.ts';

/** A CONFIRMED order of the customer (placed, then paid). */
async function confirmedOrder(s: Setup) {
  const book = await s.seedProduct({ price: { amount: '9.00', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: book.productId, quantity: 2 }]);
  await deliver(s, paymentSucceeded(order));
  return order;
}

function parcel(order: any) {
  return {
    shipmentId: uuidv7(),
    orderId: order.id,
    userId: order.userId,
    storeId: uuidv7(),
    carrier: 'fake',
    trackingNumber: `FC${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    lines: [{ productId: order.lines[0].productId, quantity: 1 }],
  };
}

const shipped = (order: any, orderShipped: boolean, p = parcel(order)) =>
  envelope<ShipmentShipped>(
    'shipment.shipped',
    { ...p, orderShipped, at: new Date().toISOString() },
    { source: 'shipping', correlationId: order.id },
  );
const delivered = (order: any, orderDelivered: boolean, p = parcel(order)) =>
  envelope<ShipmentDelivered>(
    'shipment.delivered',
    { ...p, orderDelivered, at: new Date().toISOString() },
    { source: 'shipping', correlationId: order.id },
  );

/** The transitions of the order's history after CONFIRMED: [to, cause]. */
async function afterConfirmed(s: Setup, orderId: string) {
  const res = await s.app.inject({
    method: 'GET',
    url: `/orders/${orderId}/status`,
    headers: s.bearer(s.customer.token),
  });
  const history = res.json().history as { from: string | null; to: string; cause: string }[];
  return history.filter((h) => h.from === 'CONFIRMED' || h.from === 'SHIPPED').map((h) => [h.to, h.cause]);
}

/** How many events of `type` about the order the outbox holds (sent or not). */
async function inOutbox(s: Setup, type: string, orderId: string): Promise<number> {
  const [row] = await s.app.orm.em
    .fork()
    .execute(
      `select count(*)::int as n from "${s.schema}".outbox where type = ? and payload->'data'->>'orderId' = ?`,
      [type, orderId],
    );
  return (row as { n: number }).n;
}

/**
 * Publishes the same message (same id) again, as a redelivery would bring it; the next event
 * delivered on the same queue is handled after it.
 */
const redeliver = (s: Setup, event: Envelope) => s.publish(event);

t.test(
  'last parcel picked up → SHIPPED, all delivered → DELIVERED; redelivery changes nothing',
  async (t) => {
    const s = await setup(t);
    const order = await confirmedOrder(s);

    await deliver(s, shipped(order, false));
    t.equal((await getOrder(s, order.id)).status, 'CONFIRMED', 'another parcel is still to be picked up');

    const last = shipped(order, true);
    await deliver(s, last);
    t.equal((await getOrder(s, order.id)).status, 'SHIPPED');
    await redeliver(s, last);
    await deliver(s, shipped(order, true)); // a later duplicate under another id
    t.same(await afterConfirmed(s, order.id), [['SHIPPED', 'shipment.shipped']], 'one transition, its cause');

    await deliver(s, delivered(order, false));
    t.equal((await getOrder(s, order.id)).status, 'SHIPPED', 'a parcel is still on its way');
    const all = delivered(order, true);
    await deliver(s, all);
    await redeliver(s, all);
    await deliver(s, shipped(order, true)); // late: the order is further already
    t.equal((await getOrder(s, order.id)).status, 'DELIVERED');
    t.same(await afterConfirmed(s, order.id), [
      ['SHIPPED', 'shipment.shipped'],
      ['DELIVERED', 'shipment.delivered'],
    ]);
    t.equal(await inOutbox(s, 'order.shipped', order.id), 1, 'order.shipped once: inventory commits once');
    t.equal(await inOutbox(s, 'order.delivered', order.id), 1, 'order.delivered once');
  },
);

t.test('delivered before picked up: SHIPPED then DELIVERED, both recorded, order.shipped once', async (t) => {
  const s = await setup(t);
  const order = await confirmedOrder(s);
  const p = parcel(order);
  const first = delivered(order, true, p);
  await deliver(s, first);
  t.equal((await getOrder(s, order.id)).status, 'DELIVERED');
  await redeliver(s, first);
  await deliver(s, shipped(order, true, p)); // the pick-up, arriving late
  t.same(await afterConfirmed(s, order.id), [
    ['SHIPPED', 'shipment.delivered'],
    ['DELIVERED', 'shipment.delivered'],
  ]);
  t.equal(await inOutbox(s, 'order.shipped', order.id), 1, 'order.shipped exactly once');
  t.equal(await inOutbox(s, 'order.delivered', order.id), 1);
  const [published] = await eventuallyPublished(s, 'order.shipped', order.id);
  t.match(published!.data, { status: 'SHIPPED', previousStatus: 'CONFIRMED' });
});

t.test('a cancelled order, a pending one or an unknown one does not move', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const cancelled = await placeOrder(s, s.customer.token, [{ productId: book.productId, quantity: 1 }]);
  const cancel = await s.app.inject({
    method: 'POST',
    url: `/orders/${cancelled.id}/cancel`,
    headers: s.bearer(s.customer.token),
  });
  t.equal(cancel.statusCode, 200);
  const pending = await placeOrder(s, s.customer.token, [{ productId: book.productId, quantity: 1 }]);
  await deliver(s, shipped(cancelled, true), delivered(cancelled, true));
  await deliver(s, shipped(pending, true), delivered(pending, true));
  await deliver(s, delivered({ ...pending, id: uuidv7() }, true));
  t.equal((await getOrder(s, cancelled.id)).status, 'CANCELLED');
  t.equal((await getOrder(s, pending.id)).status, 'PENDING');
  t.equal(await inOutbox(s, 'order.shipped', cancelled.id), 0);
  t.equal(await inOutbox(s, 'order.shipped', pending.id), 0);
});

t.test(
  "an event naming another user moves the order all the same; the events name the order's",
  async (t) => {
    // The common case runs as one statement with events built from the shipment's userId; one that
    // names another user is left to the path that loads the order, which builds them from the order.
    const s = await setup(t);
    const order = await confirmedOrder(s);
    const { version } = await getOrder(s, order.id);
    await deliver(s, delivered({ ...order, userId: uuidv7() }, true));
    const after = await getOrder(s, order.id);
    t.equal(after.status, 'DELIVERED');
    t.equal(after.version, version + 1, 'one version for the event');
    t.same(await afterConfirmed(s, order.id), [
      ['SHIPPED', 'shipment.delivered'],
      ['DELIVERED', 'shipment.delivered'],
    ]);
    const [published] = await eventuallyPublished(s, 'order.delivered', order.id);
    t.match(published!.data, { userId: order.userId, status: 'DELIVERED', previousStatus: 'SHIPPED' });
  },
);

function eventuallyPublished(s: Setup, type: string, orderId: string) {
  return eventually(async () => {
    const found = s.events.of(type, orderId);
    if (found.length === 0) throw new Error(`${type} not published yet`);
    return found;
  });
}
