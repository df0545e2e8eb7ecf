// Shipping through the gateway, with the fake carrier calling shipping's webhook as a real carrier
// would: a quoted express rate charged and invoiced, an order split across two stores shipped and
// delivered by out-of-order and repeated tracking events, forged and replayed webhooks refused, a
// return that puts the stock back, refunds the line and issues a credit note, and the label's barcode.
import { eventually, pdfText } from '@mercato/testing';
import t from 'tap';
import { signWebhook } from '../../services/shipping/src/carrier/webhook-signature.ts';
import { decodeLabelBarcode } from '../../services/shipping/test/barcode.ts';
import {
  adminClient,
  type Client,
  type Customer,
  newCustomer,
  stockedProduct,
  waitForStatus,
} from '../support/client.ts';
import { startSystem } from '../support/system.ts';

const system = await startSystem({ shipping: true });
t.teardown(() => system.stop());
const admin = await adminClient(system.gatewayUrl);
const carrierUrl = system.urls['fake-carrier']!;
const webhookUrl = `${system.gatewayUrl}/shippings/webhooks/carrier`;
const PROBLEM = /^application\/problem\+json/;
const WEBHOOK_SECRET = 'dev-only-carrier-webhook-secret';
const card = { type: 'card', token: 'tok_visa' };
const wait = { timeoutMs: 30_000, intervalMs: 100 };

const toUnits = (amount: string) => Math.round(Number(amount) * 100);

/** A product with `onHand` units in each of `stores` new stores. */
async function productInStores(
  price: string,
  onHand: number[],
): Promise<{ productId: string; storeIds: string[] }> {
  const first = await stockedProduct(admin, { price, onHand: onHand[0]! });
  const storeIds = [first.storeId];
  for (const units of onHand.slice(1)) {
    const tag = Math.random().toString(36).slice(2, 10);
    const store = await admin.post('/stores', {
      code: `SH-${tag}`,
      name: `Shipping store ${tag}`,
      address: `${tag} Dock Road, 20457 Hamburg, DE`,
    });
    if (store.status !== 201) throw new Error(`store: ${store.status} ${JSON.stringify(store.body)}`);
    const stock = await admin.post('/stocks', {
      productId: first.productId,
      storeId: store.body.id,
      onHand: units,
    });
    if (stock.status !== 201) throw new Error(`stock: ${stock.status} ${JSON.stringify(stock.body)}`);
    storeIds.push(store.body.id);
  }
  return { productId: first.productId, storeIds };
}

/** A quote, once shipping has heard of the products (its read model is fed by catalog's events). */
async function quote(lines: { productId: string; quantity: number }[], country = 'DE') {
  return eventually(async () => {
    const reply = await admin.post('/shippings/rates', { destination: { country }, lines });
    if (reply.status !== 201) throw new Error(`rates: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }, wait);
}

async function placeOrder(
  c: Customer,
  lines: { productId: string; quantity: number }[],
  shipping?: { quoteId: string; level: string },
) {
  const reply = await c.client.post('/orders', {
    lines,
    shippingAddressId: c.addressId,
    paymentMethod: card,
    ...(shipping ? { shipping } : {}),
  });
  if (reply.status !== 201) throw new Error(`order: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** The order's shipments once every one is booked with the carrier (has a tracking number). */
async function bookedShipments(client: Client, orderId: string, count: number) {
  return eventually(async () => {
    const reply = await client.get(`/shippings?orderId=${orderId}`);
    const items = (reply.body?.items ?? []) as any[];
    if (items.length !== count || items.some((s) => !s.trackingNumber))
      throw new Error(`shipments of ${orderId}: ${JSON.stringify(reply.body)}`);
    return items;
  }, wait);
}

/** The fake carrier reports a tracking event: it signs it and POSTs it to shipping's webhook. */
async function carrierReports(trackingNumber: string, status: string, extra: Record<string, unknown> = {}) {
  const res = await fetch(`${carrierUrl}/v1/parcels/${trackingNumber}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status, ...extra }),
  });
  const body = (await res.json()) as any;
  if (res.status >= 300) throw new Error(`carrier event: ${res.status} ${JSON.stringify(body)}`);
  return body as {
    event: { eventId: string };
    delivery: { status: number; headers: Record<string, string>; body: string };
  };
}

async function carrierRedelivers(eventId: string) {
  const res = await fetch(`${carrierUrl}/v1/events/${eventId}/redeliver`, { method: 'POST' });
  const body = (await res.json()) as any;
  if (res.status >= 300) throw new Error(`redeliver: ${res.status} ${JSON.stringify(body)}`);
  return body as { delivery: { status: number } };
}

async function postWebhook(body: string, signature: string) {
  const res = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'carrier-signature': signature },
    body,
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: await res.json().catch(() => null),
  };
}

async function stockOf(productId: string) {
  const reply = await admin.get(`/stocks/${productId}`);
  if (reply.status !== 200) throw new Error(`stock: ${reply.status}`);
  return reply.body as {
    onHand: number;
    reserved: number;
    stores: { storeId: string; onHand: number; reserved: number }[];
  };
}

async function statusHistory(client: Client, orderId: string) {
  return ((await client.get(`/orders/${orderId}/status`)).body.history as any[]).map((h) => h.to);
}

t.test(
  'quote → order with express shipping → the charged total includes the rate → the invoice shows it',
  async (t) => {
    const { productId } = await productInStores('20.00', [10]);
    const ann = await newCustomer(system.gatewayUrl);
    const q = await quote([{ productId, quantity: 1 }]);
    const express = q.options.find((o: any) => o.level === 'express');
    const standard = q.options.find((o: any) => o.level === 'standard');
    t.ok(express && standard, 'standard and express are offered');
    t.ok(toUnits(express.price.amount) > toUnits(standard.price.amount), 'express costs more');

    const order = await placeOrder(ann, [{ productId, quantity: 1 }], {
      quoteId: q.quoteId,
      level: 'express',
    });
    const expected = ((2000 + toUnits(express.price.amount)) / 100).toFixed(2);
    t.same(
      order.shipping,
      { quoteId: q.quoteId, level: 'express', price: express.price },
      'the order has the shipping line',
    );
    t.equal(order.total.amount, expected, 'total = line + express rate');

    const confirmed = await waitForStatus(ann.client, order.id);
    t.equal(confirmed.status, 'CONFIRMED');
    const payments = (await ann.client.get(`/payments?orderId=${order.id}`)).body.items as any[];
    t.equal(payments.length, 1);
    t.same(
      payments[0].amount,
      { amount: expected, currency: 'EUR' },
      'the provider was charged the total with shipping',
    );

    const invoice = await eventually(async () => {
      const items = (await ann.client.get(`/invoices?orderId=${order.id}`)).body.items as any[];
      if (items.length !== 1) throw new Error('no invoice yet');
      return items[0];
    }, wait);
    t.equal(invoice.total.amount, expected, 'the invoice total includes shipping');
    const pdf = await fetch(`${system.gatewayUrl}/invoices/${invoice.id}/pdf`, {
      headers: { authorization: `Bearer ${ann.client.token}` },
    });
    const text = await pdfText(Buffer.from(await pdf.arrayBuffer()));
    t.match(text, /Shipping/i, 'the PDF prints a shipping line');
    t.match(text, express.price.amount, 'with the express price');
  },
);

t.test(
  'an order split across two stores: two shipments, tracked out of order and twice, SHIPPED then DELIVERED, stock deducted once',
  async (t) => {
    const { productId, storeIds } = await productInStores('5.00', [2, 3]);
    const ben = await newCustomer(system.gatewayUrl);
    const q = await quote([{ productId, quantity: 4 }]);
    const order = await placeOrder(ben, [{ productId, quantity: 4 }], {
      quoteId: q.quoteId,
      level: 'standard',
    });
    t.equal((await waitForStatus(ben.client, order.id)).status, 'CONFIRMED');

    const shipments = await bookedShipments(ben.client, order.id, 2);
    t.same(
      shipments.map((s) => s.storeId).sort(),
      [...storeIds].sort(),
      'one shipment from each store that holds the stock',
    );
    const units = (s: any) => s.lines.reduce((n: number, l: any) => n + l.quantity, 0);
    t.equal(units(shipments[0]) + units(shipments[1]), 4, 'the shipments carry the 4 units between them');
    const [first, second] = shipments;

    // Out of order: the first parcel's "delivered" arrives before its "picked up".
    await carrierReports(first.trackingNumber, 'delivered');
    const late = await carrierReports(first.trackingNumber, 'picked_up');
    t.equal(late.delivery.status, 200, 'a late picked_up is accepted');
    t.equal(
      (await ben.client.get(`/orders/${order.id}`)).body.status,
      'CONFIRMED',
      'one parcel of two: not shipped yet',
    );

    const pickedUp = await carrierReports(second.trackingNumber, 'picked_up');
    await waitForStatus(ben.client, order.id, new Set(['SHIPPED']));
    // Delivered twice: the carrier redelivers the same event with a fresh signature.
    const delivered = await carrierReports(second.trackingNumber, 'delivered');
    const again = await carrierRedelivers(delivered.event.eventId);
    t.equal(again.delivery.status, 200, 'a redelivered event is acknowledged');
    await carrierRedelivers(pickedUp.event.eventId);
    await waitForStatus(ben.client, order.id, new Set(['DELIVERED']));
    t.same(
      (await statusHistory(ben.client, order.id)).slice(-3),
      ['CONFIRMED', 'SHIPPED', 'DELIVERED'],
      'CONFIRMED → SHIPPED → DELIVERED, each once',
    );

    const stock = await eventually(async () => {
      const s = await stockOf(productId);
      if (s.reserved !== 0) throw new Error(`still reserved: ${JSON.stringify(s)}`);
      return s;
    }, wait);
    t.equal(stock.onHand, 1, 'on hand fell by exactly the 4 units sold (5 → 1)');
    const detail = await ben.client.get(`/shippings/${second.id}`);
    t.equal(detail.status, 200);
    t.equal(detail.body.status, 'delivered');
    t.ok(detail.body.tracking.length >= 2, 'the tracking history is shown');
  },
);

t.test(
  'a webhook with a bad signature, a stale timestamp or a replayed body is refused and changes nothing',
  async (t) => {
    const { productId } = await productInStores('6.00', [5]);
    const cleo = await newCustomer(system.gatewayUrl);
    const order = await placeOrder(cleo, [{ productId, quantity: 1 }]);
    await waitForStatus(cleo.client, order.id);
    const [shipment] = await bookedShipments(cleo.client, order.id, 1);
    const before = (await cleo.client.get(`/shippings/${shipment.id}`)).body;

    const body = JSON.stringify({
      eventId: `forged-${Date.now()}`,
      trackingNumber: shipment.trackingNumber,
      status: 'delivered',
      occurredAt: new Date().toISOString(),
    });
    const now = Math.floor(Date.now() / 1000);
    const forged = await postWebhook(body, signWebhook('not-the-shared-secret-at-all', body, now));
    t.equal(forged.status, 401, 'a wrong key is refused');
    t.match(forged.type, PROBLEM);
    const stale = await postWebhook(body, signWebhook(WEBHOOK_SECRET, body, now - 3600));
    t.equal(stale.status, 401, 'a timestamp an hour old is refused');
    const tampered = await postWebhook(
      body.replace('delivered', 'picked_up'),
      signWebhook(WEBHOOK_SECRET, body, now),
    );
    t.equal(tampered.status, 401, 'a body that is not the signed one is refused');
    const unsigned = await postWebhook(body, '');
    t.equal(unsigned.status, 401, 'no signature is refused');

    // A genuine request, then the very same bytes sent again by someone who captured them.
    const genuine = await carrierReports(shipment.trackingNumber, 'in_transit');
    t.equal(genuine.delivery.status, 200);
    const replayed = await postWebhook(genuine.delivery.body, genuine.delivery.headers['carrier-signature']!);
    t.equal(replayed.status, 409, 'a replayed request is refused');
    t.match(replayed.type, PROBLEM);

    const after = (await cleo.client.get(`/shippings/${shipment.id}`)).body;
    t.equal(after.status, 'in_transit', 'only the genuine event moved the shipment');
    t.equal(
      after.tracking.length,
      before.tracking.length + 1,
      'one tracking event recorded, nothing from the refused ones',
    );
    // In transit means picked up: the genuine event ships the order; the forged "delivered" did not
    // deliver it.
    await waitForStatus(cleo.client, order.id, new Set(['SHIPPED']));
    t.notOk(
      (await statusHistory(cleo.client, order.id)).includes('DELIVERED'),
      'the order was never DELIVERED',
    );
  },
);

t.test(
  'return of one line: stock back, the line refunded, a credit note; the same line cannot be returned twice',
  async (t) => {
    const a = await productInStores('15.00', [5]);
    const b = await productInStores('8.50', [5]);
    const dana = await newCustomer(system.gatewayUrl);
    const order = await placeOrder(dana, [
      { productId: a.productId, quantity: 2 },
      { productId: b.productId, quantity: 1 },
    ]);
    t.equal((await waitForStatus(dana.client, order.id)).status, 'CONFIRMED');
    const shipments = await bookedShipments(dana.client, order.id, 2);
    for (const s of shipments) await carrierReports(s.trackingNumber, 'delivered');
    await waitForStatus(dana.client, order.id, new Set(['DELIVERED']));
    // Shipped: inventory turns the hold into a deduction (on order.shipped, a moment later).
    const onHandBefore = (
      await eventually(async () => {
        const s = await stockOf(a.productId);
        if (s.reserved !== 0) throw new Error(`still reserved: ${JSON.stringify(s)}`);
        return s;
      }, wait)
    ).onHand;
    t.equal(onHandBefore, 3, '2 of 5 sold');

    const other = await newCustomer(system.gatewayUrl);
    const notYours = await other.client.post('/shippings/returns', {
      orderId: order.id,
      lines: [{ productId: a.productId, quantity: 1 }],
    });
    t.equal(notYours.status, 404, "another customer's order cannot be returned");

    const requested = await dana.client.post('/shippings/returns', {
      orderId: order.id,
      lines: [{ productId: a.productId, quantity: 1 }],
    });
    t.equal(requested.status, 201, 'the return is accepted');
    const ret = requested.body;
    t.ok(ret.trackingNumber || ret.id, 'a return with its parcel');
    const returned = await eventually(async () => {
      const r = (await dana.client.get(`/shippings/returns/${ret.id}`)).body;
      if (!r.trackingNumber) throw new Error('return not booked yet');
      return r;
    }, wait);
    const label = await fetch(`${system.gatewayUrl}/shippings/returns/${ret.id}/label`, {
      headers: { authorization: `Bearer ${dana.client.token}` },
    });
    t.equal(label.status, 200, 'a return label');
    t.match(label.headers.get('content-type'), /application\/pdf/);

    await carrierReports(returned.trackingNumber, 'delivered');

    const stock = await eventually(async () => {
      const s = await stockOf(a.productId);
      if (s.onHand !== onHandBefore + 1) throw new Error(`on hand ${s.onHand}`);
      return s;
    }, wait);
    t.equal(stock.onHand, 4, 'the returned unit is back on hand');

    const payment = await eventually(async () => {
      const p = ((await dana.client.get(`/payments?orderId=${order.id}`)).body.items as any[])[0];
      if (p.refunded.amount === '0.00') throw new Error('no refund yet');
      return p;
    }, wait);
    t.same(payment.refunded, { amount: '15.00', currency: 'EUR' }, "the refund is that line's paid amount");

    const note = await eventually(async () => {
      const items = (await dana.client.get(`/invoices/credit-notes?orderId=${order.id}`)).body.items as any[];
      if (items.length !== 1) throw new Error('no credit note yet');
      return items[0];
    }, wait);
    t.match(note.number, /^CN-\d{4}-\d{6}$/, 'a credit note in its own series');
    t.same(note.total, { amount: '15.00', currency: 'EUR' });

    const twice = await dana.client.post('/shippings/returns', {
      orderId: order.id,
      lines: [{ productId: a.productId, quantity: 2 }],
    });
    t.equal(twice.status, 409, 'the line is not returnable again beyond what is left');
    t.match(twice.headers.get('content-type'), PROBLEM);
  },
);

t.test("the label's barcode decodes back to the tracking number", async (t) => {
  const { productId } = await productInStores('4.00', [3]);
  const eve = await newCustomer(system.gatewayUrl);
  const order = await placeOrder(eve, [{ productId, quantity: 1 }]);
  await waitForStatus(eve.client, order.id);
  const [shipment] = await bookedShipments(eve.client, order.id, 1);
  const res = await fetch(`${system.gatewayUrl}/shippings/${shipment.id}/label`, {
    headers: { authorization: `Bearer ${eve.client.token}` },
  });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /application\/pdf/);
  const pdf = Buffer.from(await res.arrayBuffer());
  t.equal(await decodeLabelBarcode(pdf), shipment.trackingNumber, 'the barcode is the tracking number');
  const text = await pdfText(pdf);
  t.match(text, '1 Market Street', "the customer's address is on the label");

  const other = await newCustomer(system.gatewayUrl);
  t.equal(
    (await other.client.get(`/shippings/${shipment.id}/label`)).status,
    404,
    "another customer's label is 404",
  );
});
