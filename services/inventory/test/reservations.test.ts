import type { StockLow, StockRejected, StockReleased, StockReserved } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import { eventually, TEST_AMQP_URL } from '@mercato/testing';
import amqp from 'amqplib';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { bearer, bus, type Harness, orderPlaced, seedStock, setup } from './helpers.ts';

const levels = async (h: Harness, productId: string) =>
  h.sql<{ store_id: string; on_hand: number; reserved: number }>(
    'select store_id, on_hand, reserved from stock where product_id = $1 order by store_id',
    [productId],
  );
const reservations = async (h: Harness, orderId: string) =>
  h.sql<{ revision: number; status: string; reason: string | null }>(
    'select revision, status, reason from reservation where order_id = $1 order by revision',
    [orderId],
  );
const cancelled = (orderId: string, reason = 'customer') =>
  envelope(
    'order.cancelled',
    { orderId, userId: uuidv7(), reason, previousStatus: 'PENDING' },
    { source: 'orders', correlationId: orderId },
  );
/** Waits until `consumer` has handled `n` distinct messages (its inbox), whatever order they ran in. */
const handled = (h: Harness, consumer: string, n: number) =>
  eventually(async () => {
    const [row] = await h.sql<{ n: number }>('select count(*)::int as n from inbox where consumer = $1', [
      consumer,
    ]);
    if (row!.n !== n) throw new Error(`${consumer} handled ${row!.n} of ${n}`);
  });
const expectOne = async <T>(b: Awaited<ReturnType<typeof bus>>, type: string, orderId: string) =>
  eventually(async () => {
    const found = b.of<T>(type, orderId);
    if (found.length === 0) throw new Error(`no ${type} for ${orderId} yet`);
    return found[0]!;
  });

t.test('order.placed: every line reserved at once, echoing total and payment method', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p1 = uuidv7();
  const p2 = uuidv7();
  const s1 = await seedStock(h, p1, 5);
  const s2 = await seedStock(h, p2, 2);
  const placed = orderPlaced([
    { productId: p1, quantity: 3 },
    { productId: p2, quantity: 2 },
  ]);
  await b.publish([placed]);

  const reserved = await expectOne<StockReserved>(b, 'stock.reserved', placed.data.orderId);
  const [store1, store2] = await h.sql<{ code: string }>(
    'select code from store where id = any($1) order by array_position($1, id)',
    [[s1.storeId, s2.storeId]],
  );
  t.same(reserved.data, {
    orderId: placed.data.orderId,
    userId: placed.data.userId,
    revision: 1,
    lines: [
      { productId: p1, quantity: 3 },
      { productId: p2, quantity: 2 },
    ],
    total: placed.data.total,
    paymentMethod: placed.data.paymentMethod,
    allocations: [
      { storeId: s1.storeId, productId: p1, quantity: 3 },
      { storeId: s2.storeId, productId: p2, quantity: 2 },
    ],
    stores: [
      { storeId: s1.storeId, code: store1!.code, name: 'Store' },
      { storeId: s2.storeId, code: store2!.code, name: 'Store' },
    ],
  });
  t.equal(reserved.correlationId, placed.data.orderId);
  t.equal(reserved.causationId, placed.id);
  t.match(await levels(h, p1), [{ on_hand: 5, reserved: 3 }]);
  t.match(await levels(h, p2), [{ on_hand: 2, reserved: 2 }]);
  t.same(await reservations(h, placed.data.orderId), [{ revision: 1, status: 'HELD', reason: null }]);
  const view = await h.app.inject({ url: `/stocks/${p1}`, headers: bearer(h.adminToken) });
  t.match(view.json(), { onHand: 5, reserved: 3, available: 2 });
});

t.test('order.placed: one short line rejects the whole order and names the short line', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p1 = uuidv7();
  const p2 = uuidv7();
  await seedStock(h, p1, 5);
  await seedStock(h, p2, 1);
  const placed = orderPlaced([
    { productId: p1, quantity: 1 },
    { productId: p2, quantity: 2 },
  ]);
  await b.publish([placed]);
  const rejected = await expectOne<StockRejected>(b, 'stock.rejected', placed.data.orderId);
  t.same(rejected.data.shortLines, [{ productId: p2, requested: 2, available: 1 }]);
  t.match(await levels(h, p1), [{ reserved: 0 }]);
  t.match(await levels(h, p2), [{ reserved: 0 }]);
  t.same(await reservations(h, placed.data.orderId), [
    { revision: 1, status: 'REJECTED', reason: 'out_of_stock' },
  ]);
  t.equal(b.of('stock.reserved').length, 0);
});

t.test('order.placed: a line one store cannot serve is taken from several', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  await seedStock(h, p, 3);
  await seedStock(h, p, 4);
  const placed = orderPlaced([{ productId: p, quantity: 6 }]);
  await b.publish([placed]);
  await expectOne(b, 'stock.reserved', placed.data.orderId);
  const rows = await levels(h, p);
  t.same(rows.map((r) => r.reserved).sort(), [2, 4]);
  const view = await h.app.inject({ url: `/stocks/${p}`, headers: bearer(h.adminToken) });
  t.match(view.json(), { onHand: 7, reserved: 6, available: 1 });
});

t.test('a redelivered order.placed reserves nothing twice (same id, or a new id)', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  await seedStock(h, p, 10);
  const placed = orderPlaced([{ productId: p, quantity: 2 }]);
  await b.publish([placed]);
  await expectOne(b, 'stock.reserved', placed.data.orderId);
  const copy = { ...placed, id: uuidv7() };
  const marker = orderPlaced([{ productId: p, quantity: 1 }]);
  // The same message again, the same order under a new message id, then a marker order: once the
  // marker is answered, the copies before it on the same queue have been handled too.
  await b.publish([placed, copy, marker]);
  await expectOne(b, 'stock.reserved', marker.data.orderId);
  await handled(h, 'inventory.reserve-stock', 3);
  t.equal(b.of('stock.reserved', placed.data.orderId).length, 1, 'answered once');
  t.match(await levels(h, p), [{ reserved: 3 }], '2 for the order, 1 for the marker');
});

const paymentFailed = (orderId: string, userId = uuidv7(), revision = 1) =>
  envelope(
    'payment.failed',
    {
      paymentId: uuidv7(),
      orderId,
      userId,
      revision,
      amount: { amount: '19.98', currency: 'EUR' },
      reason: 'card_declined',
    },
    { source: 'payments', correlationId: orderId },
  );

t.test('payment.failed keeps the hold (a retry may follow); order.cancelled releases it', async (t) => {
  // One message at a time: whatever was published before the marker has been handled once it is.
  const h = await setup(t, { overrides: { CONSUMER_PREFETCH: 1 } });
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  await seedStock(h, p, 10);
  const first = orderPlaced([{ productId: p, quantity: 4 }]);
  const second = orderPlaced([{ productId: p, quantity: 3 }]);
  await b.publish([first, second]);
  await expectOne(b, 'stock.reserved', first.data.orderId);
  await expectOne(b, 'stock.reserved', second.data.orderId);
  t.match(await levels(h, p), [{ reserved: 7 }]);

  // The first order's card is declined; then the second order is cancelled (the marker).
  const failed = paymentFailed(first.data.orderId, first.data.userId);
  await b.publish([failed, cancelled(second.data.orderId)]);
  const r2 = await expectOne<StockReleased>(b, 'stock.released', second.data.orderId);
  t.same(r2.data, { orderId: second.data.orderId, reason: 'order_cancelled:customer' });
  await handled(h, 'inventory.release-stock', 1);
  t.match(await levels(h, p), [{ on_hand: 10, reserved: 4 }], "the declined order's 4 are still held");
  t.same(await reservations(h, first.data.orderId), [{ revision: 1, status: 'HELD', reason: null }]);
  t.equal(b.of('stock.released', first.data.orderId).length, 0, 'nothing released for the decline');
  // payment.failed reaches only the payment-holds consumer: it marks the hold as reclaimable by a
  // buyer who needs the stock (declined-holds.test.ts), and releases nothing.
  await eventually(async () => {
    const rows = await h.sql('select consumer from inbox where message_id = $1', [failed.id]);
    if (rows.length === 0) throw new Error('payment.failed not handled yet');
  });
  t.same(
    await h.sql('select consumer from inbox where message_id = $1', [failed.id]),
    [{ consumer: 'inventory.payment-holds' }],
    'payment.failed reaches the payment-holds consumer only',
  );
  t.match(await levels(h, p), [{ on_hand: 10, reserved: 4 }], 'still held after the mark');

  // The retry window passed without a payment: orders cancels (payment_failed), and that releases.
  const cancellation = cancelled(first.data.orderId, 'payment_failed');
  await b.publish([cancellation]);
  const r1 = await expectOne<StockReleased>(b, 'stock.released', first.data.orderId);
  t.same(r1.data, { orderId: first.data.orderId, reason: 'order_cancelled:payment_failed' });
  t.match(await levels(h, p), [{ on_hand: 10, reserved: 0 }]);
  t.same(await reservations(h, first.data.orderId), [
    { revision: 1, status: 'RELEASED', reason: 'order_cancelled:payment_failed' },
  ]);
  t.same(await reservations(h, second.data.orderId), [
    { revision: 1, status: 'RELEASED', reason: 'order_cancelled:customer' },
  ]);

  // The same cancellation again, under its id and under a new one (orders re-announces it when a
  // late capture lands): nothing is released twice.
  const again = cancelled(first.data.orderId, 'payment_failed');
  await b.publish([cancellation, again]);
  await handled(h, 'inventory.release-stock', 3);
  t.equal(b.of('stock.released', first.data.orderId).length, 1, 'released once');
  t.match(await levels(h, p), [{ on_hand: 10, reserved: 0 }]);
});

t.test('order.cancelled before order.placed: the late reservation is answered by a release', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  await seedStock(h, p, 10);
  const placed = orderPlaced([{ productId: p, quantity: 2 }]);
  await b.publish([cancelled(placed.data.orderId, 'timeout')]);
  await eventually(async () => {
    const rows = await h.sql('select 1 from cancelled_order where order_id = $1', [placed.data.orderId]);
    if (rows.length !== 1) throw new Error('cancellation not recorded yet');
  });
  await b.publish([placed]);
  const released = await expectOne<StockReleased>(b, 'stock.released', placed.data.orderId);
  t.same(released.data, { orderId: placed.data.orderId, reason: 'order_cancelled' });
  t.match(await levels(h, p), [{ reserved: 0 }]);
  t.equal(b.of('stock.reserved', placed.data.orderId).length, 0);
  t.same(await reservations(h, placed.data.orderId), [
    { revision: 1, status: 'RELEASED', reason: 'order_cancelled' },
  ]);
});

t.test('order.lines_changed releases the old revision and reserves the new lines', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p1 = uuidv7();
  const p2 = uuidv7();
  await seedStock(h, p1, 5);
  await seedStock(h, p2, 5);
  const orderId = uuidv7();
  const v1 = orderPlaced([{ productId: p1, quantity: 4 }], { orderId });
  await b.publish([v1]);
  await expectOne(b, 'stock.reserved', orderId);

  // 5 of p1 only fit because the old revision's 4 are given back in the same write.
  const v2 = orderPlaced(
    [
      { productId: p1, quantity: 5 },
      { productId: p2, quantity: 1 },
    ],
    { orderId, revision: 2, type: 'order.lines_changed' },
  );
  await b.publish([v2]);
  await eventually(async () => {
    if (b.of<StockReserved>('stock.reserved', orderId).every((e) => e.data.revision !== 2))
      throw new Error('revision 2 not answered yet');
  });
  t.match(await levels(h, p1), [{ reserved: 5 }]);
  t.match(await levels(h, p2), [{ reserved: 1 }]);
  t.same(await reservations(h, orderId), [
    { revision: 1, status: 'RELEASED', reason: 'lines_changed' },
    { revision: 2, status: 'HELD', reason: null },
  ]);

  // A late copy of revision 1 is stale: it takes nothing.
  const marker = orderPlaced([{ productId: p2, quantity: 1 }]);
  await b.publish([{ ...v1, id: uuidv7() }, marker]);
  await expectOne(b, 'stock.reserved', marker.data.orderId);
  await handled(h, 'inventory.reserve-stock', 4);
  t.match(await levels(h, p1), [{ reserved: 5 }]);
  t.equal(b.of('stock.reserved', orderId).length, 2);
});

t.test('order.shipped turns the hold into a deduction of on-hand', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  await seedStock(h, p, 10);
  const placed = orderPlaced([{ productId: p, quantity: 3 }]);
  await b.publish([placed]);
  await expectOne(b, 'stock.reserved', placed.data.orderId);
  const cachedView = await h.app.inject({ url: `/stocks/${p}`, headers: bearer(h.adminToken) });
  t.match(cachedView.json(), { onHand: 10, reserved: 3 });
  const shipped = envelope(
    'order.shipped',
    {
      orderId: placed.data.orderId,
      userId: placed.data.userId,
      status: 'SHIPPED',
      previousStatus: 'CONFIRMED',
    },
    { source: 'orders', correlationId: placed.data.orderId },
  );
  await b.publish([shipped]);
  await eventually(async () => {
    const [r] = await reservations(h, placed.data.orderId);
    if (r?.status !== 'COMMITTED') throw new Error('not committed yet');
  });
  t.match(await levels(h, p), [{ on_hand: 7, reserved: 0 }]);
  const view = await h.app.inject({ url: `/stocks/${p}`, headers: bearer(h.adminToken) });
  t.match(view.json(), { onHand: 7, reserved: 0, available: 7 }, 'the cached level was dropped on commit');

  // A cancellation after shipping gives nothing back: the goods are gone.
  await b.publish([cancelled(placed.data.orderId)]);
  await eventually(async () => {
    const rows = await h.sql('select 1 from cancelled_order where order_id = $1', [placed.data.orderId]);
    if (rows.length !== 1) throw new Error('cancellation not handled yet');
  });
  t.match(await levels(h, p), [{ on_hand: 7, reserved: 0 }]);
  t.equal(b.of('stock.released', placed.data.orderId).length, 0);
});

t.test('stock.low when a reservation takes the product to its threshold, once', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  await seedStock(h, p, 6, { lowStockThreshold: 2 });
  await seedStock(h, p, 2, { lowStockThreshold: 1 });
  const first = orderPlaced([{ productId: p, quantity: 5 }]); // 8 → 3: threshold 3 reached
  await b.publish([first]);
  await expectOne(b, 'stock.reserved', first.data.orderId);
  const low = await eventually(async () => {
    const found = b.of<StockLow>('stock.low');
    if (found.length === 0) throw new Error('no stock.low yet');
    return found[0]!;
  });
  t.same(low.data, { productId: p, available: 3, threshold: 3 });
  const second = orderPlaced([{ productId: p, quantity: 1 }]);
  await b.publish([second]);
  await expectOne(b, 'stock.reserved', second.data.orderId);
  t.equal(b.of('stock.low').length, 1, 'already low: no second alert');
});

t.test('an event that breaks its contract is dead-lettered and changes nothing', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  await seedStock(h, p, 10);
  const bad = orderPlaced([{ productId: p, quantity: 1 }]);
  (bad.data.lines[0] as { quantity: number }).quantity = 0;
  const good = orderPlaced([{ productId: p, quantity: 1 }]);
  await b.publish([bad, good]);
  await expectOne(b, 'stock.reserved', good.data.orderId);
  t.match(await levels(h, p), [{ reserved: 1 }]);
  t.same(await reservations(h, bad.data.orderId), []);
  t.equal(b.received.filter((e) => (e.data as { orderId?: string }).orderId === bad.data.orderId).length, 0);
});

t.test('a lines change that cannot be served gives back the old hold and is rejected', async (t) => {
  const h = await setup(t);
  const b = await bus(t, h.exchange);
  const p = uuidv7();
  await seedStock(h, p, 5);
  const orderId = uuidv7();
  await b.publish([orderPlaced([{ productId: p, quantity: 2 }], { orderId })]);
  await expectOne(b, 'stock.reserved', orderId);
  await b.publish([
    orderPlaced([{ productId: p, quantity: 6 }], { orderId, revision: 2, type: 'order.lines_changed' }),
  ]);
  const rejected = await expectOne<StockRejected>(b, 'stock.rejected', orderId);
  t.same(rejected.data.shortLines, [{ productId: p, requested: 6, available: 5 }]);
  t.match(await levels(h, p), [{ on_hand: 5, reserved: 0 }]);
  t.same(await reservations(h, orderId), [
    { revision: 1, status: 'RELEASED', reason: 'lines_changed' },
    { revision: 2, status: 'REJECTED', reason: 'out_of_stock' },
  ]);
});

t.test(
  'a payment.failed binding left by an earlier version is dropped; what it delivers is ignored',
  async (t) => {
    const h = await setup(t);
    const b = await bus(t, h.exchange);
    const p = uuidv7();
    await seedStock(h, p, 10);
    const placed = orderPlaced([{ productId: p, quantity: 2 }]);
    await b.publish([placed]);
    await expectOne(b, 'stock.reserved', placed.data.orderId);

    // The queue as the previous version left it: also bound to payment.failed.
    const queue = `${h.exchange}.inventory.release-stock`;
    const conn = await amqp.connect(TEST_AMQP_URL);
    t.teardown(() => conn.close().catch(() => {}));
    const ch = await conn.createConfirmChannel();
    await ch.bindQueue(queue, h.exchange, 'payment.failed');
    const returned: string[] = [];
    ch.on('return', (msg) => returned.push(msg.properties.messageId));
    const publishMandatory = async (event: Envelope) => {
      ch.publish(h.exchange, event.type, Buffer.from(JSON.stringify(event)), {
        persistent: true,
        mandatory: true,
        messageId: event.id,
        contentType: 'application/json',
      });
      await ch.waitForConfirms();
    };

    const viaOldBinding = paymentFailed(placed.data.orderId, placed.data.userId);
    await publishMandatory(viaOldBinding);
    await eventually(async () => {
      const rows = await h.sql('select 1 from inbox where message_id = $1', [viaOldBinding.id]);
      if (rows.length === 0) throw new Error('not handled yet');
    });
    t.same(returned, [], 'routed through the old binding');
    t.match(await levels(h, p), [{ reserved: 2 }], 'and ignored: the hold stays');
    t.same(await reservations(h, placed.data.orderId), [{ revision: 1, status: 'HELD', reason: null }]);
    t.equal(b.of('stock.released', placed.data.orderId).length, 0);

    // A replica of this version starts (as in a rolling update) and drops the binding.
    await h.replica();
    const afterwards = paymentFailed(placed.data.orderId, placed.data.userId);
    await publishMandatory(afterwards);
    t.same(returned, [], 'routed (to the payment-holds consumer)');
    await eventually(async () => {
      const rows = await h.sql('select 1 from inbox where message_id = $1', [afterwards.id]);
      if (rows.length === 0) throw new Error('not handled yet');
    });
    t.same(
      await h.sql('select consumer from inbox where message_id = $1', [afterwards.id]),
      [{ consumer: 'inventory.payment-holds' }],
      'the release queue no longer takes payment.failed',
    );
    t.match(await levels(h, p), [{ reserved: 2 }]);
  },
);
