// The service's reactions to other services' events, published to the test exchange as they would be.
import { setTimeout } from 'node:timers/promises';
import type { PaymentFailed, ProductSnapshot, StockRejected } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import { publishEvents } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import {
  eventually,
  getOrder,
  handled,
  paymentSucceeded,
  placeOrder,
  type Setup,
  setup,
  TEST_ADDRESS,
} from './helpers.ts';

const stockRejected = (order: any, revision = order.revision) =>
  envelope<StockRejected>(
    'stock.rejected',
    {
      orderId: order.id,
      userId: order.userId,
      revision,
      shortLines: [{ productId: order.lines[0].productId, requested: 1, available: 0 }],
    },
    { source: 'inventory', correlationId: order.id },
  );
const paymentFailed = (order: any, revision = order.revision) =>
  envelope<PaymentFailed>(
    'payment.failed',
    {
      paymentId: uuidv7(),
      orderId: order.id,
      userId: order.userId,
      revision,
      amount: order.total,
      reason: 'declined',
    },
    { source: 'payments', correlationId: order.id },
  );
t.test('the price read model follows catalog events and ignores stale snapshots', async (t) => {
  const s = await setup(t);
  const productId = uuidv7();
  const snapshot = (version: number, amount: string, active = true): ProductSnapshot => ({
    productId,
    name: `Book v${version}`,
    price: { amount, currency: 'EUR' },
    active,
    version,
  });
  const price = async () => {
    const rows = await s.app.orm.em
      .fork()
      .execute(
        `select name, amount::text, active, deleted, version from "${s.schema}".product_price where product_id = ?`,
        [productId],
      );
    return rows[0];
  };

  const created = envelope('product.created', snapshot(1, '10.00'), { source: 'catalog' });
  await s.publish(created);
  await handled(s, created);
  const order = await placeOrder(s, s.customer.token, [{ productId, quantity: 2 }]);
  t.equal(order.total.amount, '20.00', 'an order can be placed from the read model');

  const v3 = envelope('product.updated', snapshot(3, '12.50'), { source: 'catalog' });
  const v2 = envelope('product.updated', snapshot(2, '11.00'), { source: 'catalog' });
  await s.publish(v3);
  await handled(s, v3);
  await s.publish(v2);
  await handled(s, v2);
  t.match(
    await price(),
    { name: 'Book v3', amount: '12.5000', version: 3 },
    'v2 arrived late and changed nothing',
  );

  const deleted = envelope('product.deleted', { productId, version: 4 }, { source: 'catalog' });
  await s.publish(deleted);
  await handled(s, deleted);
  const resurrect = envelope('product.updated', snapshot(3, '1.00'), { source: 'catalog' });
  await s.publish(resurrect);
  await handled(s, resurrect);
  t.match(
    await price(),
    { deleted: true, version: 4 },
    'an older update does not bring a deleted product back',
  );
  const refused = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: s.bearer(s.customer.token),
    payload: {
      lines: [{ productId, quantity: 1 }],
      shippingAddressId: uuidv7(),
      paymentMethod: { type: 'card', token: 't' },
    },
  });
  t.equal(refused.statusCode, 422, 'a deleted product cannot be ordered');

  const deactivated = envelope(
    'product.created',
    { ...snapshot(1, '5.00', false), productId: uuidv7() },
    { source: 'catalog' },
  );
  await s.publish(deactivated);
  await handled(s, deactivated);
  const inactive = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: s.bearer(s.customer.token),
    payload: {
      lines: [{ productId: (deactivated.data as ProductSnapshot).productId, quantity: 1 }],
      shippingAddressId: uuidv7(),
      paymentMethod: { type: 'card', token: 't' },
    },
  });
  t.equal(inactive.statusCode, 422, 'an inactive product cannot be ordered');
});

t.test('stock.rejected, and payment.failed without a retry window, cancel a PENDING order', async (t) => {
  const s = await setup(t, { PAYMENT_RETRY_WINDOW_MS: 0 });
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const a = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const b = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);

  const rejected = stockRejected(a);
  await s.publish(rejected);
  const failed = paymentFailed(b);
  await s.publish(failed);
  await handled(s, rejected);
  await handled(s, failed);
  t.match(await getOrder(s, a.id), { status: 'CANCELLED', cancelReason: 'out_of_stock' });
  t.match(await getOrder(s, b.id), { status: 'CANCELLED', cancelReason: 'payment_failed' });

  const [ca, cb] = await eventually(async () => {
    const x = s.events.of('order.cancelled', a.id);
    const y = s.events.of('order.cancelled', b.id);
    if (x.length === 0 || y.length === 0) throw new Error('not yet');
    return [x[0]!, y[0]!];
  });
  t.same(ca.data, {
    orderId: a.id,
    userId: s.customer.id,
    reason: 'out_of_stock',
    previousStatus: 'PENDING',
  });
  t.equal(ca.causationId, rejected.id, 'the cancellation names its cause');
  t.equal(ca.correlationId, a.id);
  t.match(cb.data, { reason: 'payment_failed', previousStatus: 'PENDING' });
  t.equal(cb.causationId, failed.id);
  t.notOk((await getOrder(s, b.id)).payment, 'window 0: no failure awaiting a retry is shown');

  const status = await s.app.inject({
    method: 'GET',
    url: `/orders/${a.id}/status`,
    headers: s.bearer(s.customer.token),
  });
  t.match(status.json().history[1], { from: 'PENDING', to: 'CANCELLED', cause: 'stock.rejected' });
});

const statusOf = async (s: Setup, id: string) =>
  (
    await s.app.inject({ method: 'GET', url: `/orders/${id}/status`, headers: s.bearer(s.customer.token) })
  ).json();
const outboxCount = async (s: Setup, type: string, orderId: string) => {
  const [{ n }] = await s.app.orm.em
    .fork()
    .execute(
      `select count(*)::int as n from "${s.schema}".outbox where type = ? and payload->'data'->>'orderId' = ?`,
      [type, orderId],
    );
  return n as number;
};

t.test(
  'with a retry window, payment.failed leaves the order PENDING and shows the failure; a later payment confirms it',
  async (t) => {
    const window = 10 * 60_000;
    const s = await setup(t, { PAYMENT_RETRY_WINDOW_MS: window });
    const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
    const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);

    const failed = paymentFailed(order);
    await s.publish(failed);
    await handled(s, failed);
    const awaiting = await getOrder(s, order.id);
    t.match(awaiting, { status: 'PENDING', payment: { reason: 'declined' } }, 'still PENDING');
    t.notOk(awaiting.cancelReason);
    t.ok(awaiting.version > order.version, 'the recorded failure is a change of the order (ETag)');
    const failedAt = Date.parse(awaiting.payment.failedAt);
    t.ok(failedAt >= Date.parse(order.createdAt), 'failedAt is when the failure was handled');
    t.equal(Date.parse(awaiting.payment.retryUntil) - failedAt, window, 'retryUntil = failedAt + window');
    const status = await statusOf(s, order.id);
    t.match(status, { status: 'PENDING', payment: awaiting.payment });
    t.match(status.history, [
      { from: null, to: 'PENDING' },
      { from: 'PENDING', to: 'PENDING', cause: 'payment.failed' },
    ]);
    t.equal(status.history.length, 2);
    t.equal(await outboxCount(s, 'order.cancelled', order.id), 0, 'no order.cancelled');

    // The customer's retry is declined too: recorded, but the window is not extended.
    const again = envelope<PaymentFailed>(
      'payment.failed',
      { ...(failed.data as PaymentFailed), paymentId: uuidv7(), reason: 'card_declined' },
      { source: 'payments', correlationId: order.id },
    );
    await s.publish(again);
    await handled(s, again);
    const stillAwaiting = await getOrder(s, order.id);
    t.match(stillAwaiting, {
      status: 'PENDING',
      payment: { failedAt: awaiting.payment.failedAt, reason: 'card_declined' },
    });
    t.equal(
      (await statusOf(s, order.id)).history.filter((h: any) => h.cause === 'payment.failed').length,
      2,
      'each failure in the history',
    );

    // Then a retry succeeds: confirmed as usual; the failure stays in the history only.
    const paid = paymentSucceeded(order);
    await s.publish(paid);
    await handled(s, paid);
    const confirmed = await getOrder(s, order.id);
    t.equal(confirmed.status, 'CONFIRMED');
    t.notOk(confirmed.payment, 'no longer awaiting a payment');
    t.match((await statusOf(s, order.id)).history.at(-1), {
      from: 'PENDING',
      to: 'CONFIRMED',
      cause: 'payment.succeeded',
    });
    t.equal(await outboxCount(s, 'order.confirmed', order.id), 1, 'confirmed once');
    t.equal(await outboxCount(s, 'order.cancelled', order.id), 0, 'never cancelled');

    // A late copy of a failure (a new message id) for the confirmed order changes nothing.
    const late = envelope<PaymentFailed>(
      'payment.failed',
      { ...(failed.data as PaymentFailed), paymentId: uuidv7() },
      { source: 'payments', correlationId: order.id },
    );
    await s.publish(late);
    await handled(s, late);
    t.match(await getOrder(s, order.id), { status: 'CONFIRMED', version: confirmed.version });
  },
);

t.test('a lines change starts the payment afresh: the recorded failure no longer applies', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const failed = paymentFailed(order);
  await s.publish(failed);
  await handled(s, failed);
  t.ok((await getOrder(s, order.id)).payment, 'the failure is shown');
  const changed = await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}/items/${order.lines[0].id}`,
    headers: s.bearer(s.customer.token),
    payload: { quantity: 2 },
  });
  t.equal(changed.statusCode, 200);
  t.match(changed.json(), { status: 'PENDING', revision: 2 });
  t.notOk(changed.json().payment, 'revision 2 has not failed');
  const stale = paymentFailed(order, 1);
  await s.publish(stale);
  await handled(s, stale);
  t.notOk((await getOrder(s, order.id)).payment, "revision 1's late failure is ignored");
  const current = paymentFailed(changed.json(), 2);
  await s.publish(current);
  await handled(s, current);
  t.match(await getOrder(s, order.id), { status: 'PENDING', revision: 2, payment: { reason: 'declined' } });
});

t.test('payment.succeeded confirms a PENDING order once, even when delivered twice', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 2 }]);
  const paid = paymentSucceeded(order);
  await s.publish(paid);
  await s.publish(paid); // at-least-once delivery: the same message again
  const retried = paymentSucceeded(order); // payments re-emitting after a retry: a new id
  await s.publish(retried);
  await handled(s, paid);
  await handled(s, retried);
  t.match(await getOrder(s, order.id), { status: 'CONFIRMED' });
  await eventually(async () => {
    if (s.events.of('order.confirmed', order.id).length === 0) throw new Error('not yet');
  });
  const [confirmed] = s.events.of('order.confirmed', order.id);
  t.match(confirmed!.data, {
    orderId: order.id,
    revision: 1,
    total: { amount: '6.00', currency: 'EUR' },
    lines: [{ productId: p.productId, quantity: 2 }],
  });
  const [{ n }] = await s.app.orm.em
    .fork()
    .execute(`select count(*)::int as n from "${s.schema}".outbox where type = 'order.confirmed'`);
  t.equal(n, 1, 'confirmed exactly once');

  // stock.rejected for the confirmed revision: inventory reclaimed the hold of a declined order just
  // as a retry paid it (issue 9). Nothing is held for it any more: cancelled, and order.cancelled
  // makes payments refund the capture.
  const late = stockRejected(order);
  await s.publish(late);
  await handled(s, late);
  t.match(await getOrder(s, order.id), { status: 'CANCELLED', cancelReason: 'out_of_stock' });
  await eventually(async () => {
    if (s.events.of('order.cancelled', order.id).length === 0) throw new Error('not yet');
  });
  t.match(s.events.of('order.cancelled', order.id)[0]!.data, {
    reason: 'out_of_stock',
    previousStatus: 'CONFIRMED',
  });
});

t.test(
  'a confirmation bumps the version, clears a declined payment, records its history entry and announces the lines of the paid revision',
  async (t) => {
    const s = await setup(t);
    const book = await s.seedProduct({ price: { amount: '19.99', currency: 'EUR' } });
    const pen = await s.seedProduct({ price: { amount: '0.10', currency: 'EUR' } });
    const placed = await placeOrder(s, s.customer.token, [{ productId: book.productId, quantity: 3 }]);
    const added = await s.app.inject({
      method: 'POST',
      url: `/orders/${placed.id}/items`,
      headers: s.bearer(s.customer.token),
      payload: { productId: pen.productId, quantity: 7 },
    });
    t.equal(added.statusCode, 201);
    const order = added.json();
    const failed = paymentFailed(order);
    await s.publish(failed);
    await handled(s, failed);
    const before = await getOrder(s, order.id);
    t.ok(before.payment, 'a declined payment awaits a retry');

    const paid = paymentSucceeded(order);
    await s.publish(paid);
    await handled(s, paid);
    const confirmed = await getOrder(s, order.id);
    t.match(confirmed, {
      status: 'CONFIRMED',
      revision: 2,
      version: before.version + 1,
      total: { amount: '60.67', currency: 'EUR' },
    });
    t.same(confirmed.lines, order.lines, 'the lines are untouched');
    t.notOk(confirmed.payment, 'the declined payment no longer applies');
    t.ok(Date.parse(confirmed.updatedAt) >= Date.parse(before.updatedAt));
    const history = (await statusOf(s, order.id)).history;
    t.same(
      history.at(-1),
      { from: 'PENDING', to: 'CONFIRMED', at: confirmed.updatedAt, cause: 'payment.succeeded' },
      'the history entry has the time of the change and its cause',
    );

    const [event] = await eventually(async () => {
      const found = s.events.of('order.confirmed', order.id);
      if (found.length === 0) throw new Error('not yet');
      return found;
    });
    t.match(event, { source: 'orders', correlationId: order.id, causationId: paid.id });
    t.same(event!.data, {
      orderId: order.id,
      userId: s.customer.id,
      revision: 2,
      lines: order.lines.map((l: any) => ({
        itemId: l.id,
        productId: l.productId,
        productName: l.name,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
      })),
      total: { amount: '60.67', currency: 'EUR' },
      // Where the parcels go (shipping reads it); no shipping line: none was chosen.
      shippingAddress: TEST_ADDRESS,
    });

    // Paid again (payments re-emitting with a new id): nothing changes, nothing is announced.
    const again = paymentSucceeded(order);
    await s.publish(again);
    await handled(s, again);
    t.match(await getOrder(s, order.id), { status: 'CONFIRMED', version: confirmed.version });
    t.equal((await statusOf(s, order.id)).history.length, history.length, 'no second history entry');
    t.equal(await outboxCount(s, 'order.confirmed', order.id), 1, 'announced once');
  },
);

t.test(
  'a payment racing a lines change: confirmed with the lines it paid for, or ignored as stale',
  async (t) => {
    const s = await setup(t);
    const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
    const orders = await Promise.all(
      Array.from({ length: 10 }, () =>
        placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]),
      ),
    );
    const payments = orders.map((o) => paymentSucceeded(o));
    const published = publishEvents(s.exchange, payments);
    // Staggered, so that some payments land first and some line changes do.
    const changes = await Promise.all(
      orders.map(async (o, i) => {
        await setTimeout(i * 15);
        const change = await s.app.inject({
          method: 'PUT',
          url: `/orders/${o.id}/items/${o.lines[0].id}`,
          headers: s.bearer(s.customer.token),
          payload: { quantity: 2 },
        });
        return change.statusCode;
      }),
    );
    await published;
    for (const e of payments) await handled(s, e);
    const confirmedIds = new Set<string>();
    for (const [i, o] of orders.entries()) {
      const now = await getOrder(s, o.id);
      if (now.status === 'CONFIRMED') {
        confirmedIds.add(o.id);
        t.equal(changes[i], 409, 'confirmed first: the lines could not change any more');
        t.match(now, { revision: 1, lines: [{ quantity: 1 }] });
      } else {
        t.equal(changes[i], 200, 'changed first: the payment of revision 1 is stale');
        t.match(now, { status: 'PENDING', revision: 2, lines: [{ quantity: 2 }] });
      }
    }
    await eventually(async () => {
      if (s.events.of('order.confirmed').length < confirmedIds.size) throw new Error('not yet');
    });
    for (const e of s.events.of('order.confirmed')) {
      const data = e.data as { orderId: string; revision: number; lines: { quantity: number }[] };
      t.ok(confirmedIds.has(data.orderId), 'only confirmed orders are announced');
      t.match(data, { revision: 1, lines: [{ quantity: 1 }] }, 'with the lines of the paid revision');
    }
  },
);

t.test(
  'payment.succeeded for a cancelled order never confirms it: order.cancelled again (refund)',
  async (t) => {
    const s = await setup(t);
    const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
    const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
    const cancel = await s.app.inject({
      method: 'POST',
      url: `/orders/${order.id}/cancel`,
      headers: s.bearer(s.customer.token),
    });
    t.equal(cancel.statusCode, 200);
    const paid = paymentSucceeded(order);
    await s.publish(paid);
    await handled(s, paid);
    t.match(await getOrder(s, order.id), { status: 'CANCELLED', cancelReason: 'customer' });
    const cancellations = await eventually(async () => {
      const found = s.events.of('order.cancelled', order.id);
      if (found.length < 2) throw new Error('not yet');
      return found;
    });
    const again = cancellations.find((e) => e.causationId === paid.id);
    t.ok(again, 'a second order.cancelled, caused by the payment');
    t.match(again!.data, { orderId: order.id, reason: 'customer', previousStatus: 'CANCELLED' });
    t.equal(s.events.of('order.confirmed', order.id).length, 0, 'never confirmed');
  },
);

t.test('events for an older revision are ignored', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const changed = await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}/items/${order.lines[0].id}`,
    headers: s.bearer(s.customer.token),
    payload: { quantity: 2 },
  });
  t.equal(changed.json().revision, 2);

  const oldRejection = stockRejected(order, 1);
  const oldFailure = paymentFailed(order, 1);
  const oldPayment = paymentSucceeded(order, 1);
  for (const e of [oldRejection, oldFailure, oldPayment]) await s.publish(e);
  for (const e of [oldRejection, oldFailure, oldPayment]) await handled(s, e);
  t.match(
    await getOrder(s, order.id),
    { status: 'PENDING', revision: 2 },
    'revision 1 outcomes do not apply',
  );

  const current = paymentSucceeded(changed.json(), 2);
  await s.publish(current);
  await handled(s, current);
  t.match(await getOrder(s, order.id), { status: 'CONFIRMED' }, 'revision 2 does');
});

t.test('events for an unknown order or with a broken contract do not stop the consumer', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
  const ghost = {
    id: uuidv7(),
    userId: uuidv7(),
    revision: 1,
    total: { amount: '1.00', currency: 'EUR' },
    lines: [{ productId: p.productId }],
  };
  const unknown = stockRejected(ghost);
  await s.publish(unknown);
  const broken = envelope('payment.succeeded', { orderId: 'not-a-uuid' }, { source: 'payments' });
  await s.publish(broken);
  await handled(s, unknown);
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  const paid = paymentSucceeded(order);
  await s.publish(paid);
  await handled(s, paid);
  t.match(await getOrder(s, order.id), { status: 'CONFIRMED' }, 'later events are still handled');
  const rows = await s.app.orm.em
    .fork()
    .execute(`select 1 from "${s.schema}".inbox where message_id = ?`, [broken.id]);
  t.equal(rows.length, 0, 'the broken event had no effect');

  // A capture for an order an admin deleted meanwhile: announce the cancellation so it is refunded.
  const orphanPayment = paymentSucceeded(ghost);
  await s.publish(orphanPayment);
  await handled(s, orphanPayment);
  const [again] = await eventually(async () => {
    const found = s.events.of('order.cancelled', ghost.id);
    if (found.length === 0) throw new Error('not yet');
    return found;
  });
  t.match(again!, { causationId: orphanPayment.id, data: { orderId: ghost.id, userId: ghost.userId } });
});

t.test(
  'a customer cancelling while the payment lands: never left confirmed, always refundable',
  async (t) => {
    const s = await setup(t);
    const p = await s.seedProduct({ price: { amount: '3.00', currency: 'EUR' } });
    const orders = await Promise.all(
      Array.from({ length: 10 }, () =>
        placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]),
      ),
    );
    const payments = orders.map((o) => paymentSucceeded(o));
    await Promise.all(
      orders.map(async (o, i) => {
        await Promise.all([
          s.publish(payments[i]!),
          s.app.inject({
            method: 'POST',
            url: `/orders/${o.id}/cancel`,
            headers: s.bearer(s.customer.token),
          }),
        ]);
      }),
    );
    for (const e of payments) await handled(s, e);
    for (const o of orders) {
      t.equal((await getOrder(s, o.id)).status, 'CANCELLED', 'the customer wins either way');
    }
    // Whichever came first, an order.cancelled was emitted after the payment was seen (directly from
    // CONFIRMED, or again for the already-cancelled order): payments refunds the capture.
    const [{ n }] = await s.app.orm.em.fork().execute(
      `select count(distinct payload->'data'->>'orderId')::int as n from "${s.schema}".outbox o
       where type = 'order.cancelled'
         and (payload->>'causationId' is not null
              or (payload->'data'->>'previousStatus') = 'CONFIRMED')`,
    );
    t.equal(n, orders.length, 'every captured payment is followed by a cancellation after it');
  },
);
