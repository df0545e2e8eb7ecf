// 200 concurrent orders of one unit for a product with 50 in stock, with two inventory instances
// competing on the same queue: exactly 50 confirmed, 150 cancelled, available never below zero.
import t from 'tap';
import { adminClient, type Customer, newCustomer, stockedProduct, waitForStatus } from '../support/client.ts';
import { startSystem } from '../support/system.ts';

const system = await startSystem({ inventoryReplicas: 2 });
t.teardown(() => system.stop());

t.test('200 orders for 50 units: 50 CONFIRMED, 150 CANCELLED, never oversold', async (t) => {
  const admin = await adminClient(system.gatewayUrl);
  const { productId } = await stockedProduct(admin, { onHand: 50, price: '5.00' });
  const customers: Customer[] = [];
  for (let i = 0; i < 10; i++) customers.push(await newCustomer(system.gatewayUrl));

  // Wait until orders knows the price, with a probe order that is cancelled straight away.
  const probe = customers[0];
  const body = {
    lines: [{ productId, quantity: 1 }],
    shippingAddressId: probe.addressId,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  };
  let probeOrder: any;
  for (let i = 0; i < 150 && !probeOrder; i++) {
    const r = await probe.client.post('/orders', body);
    if (r.status === 201) probeOrder = r.body;
    else await new Promise((res) => setTimeout(res, 100));
  }
  t.ok(probeOrder, 'orders learned the product');
  await waitForStatus(probe.client, probeOrder.id);
  t.equal((await probe.client.post(`/orders/${probeOrder.id}/cancel`, {})).status, 200, 'probe cancelled');
  await waitForStatus(admin, probeOrder.id, new Set(['CANCELLED']));
  // The probe's unit goes back to stock once inventory handles the cancellation.
  for (let i = 0; i < 100; i++) {
    if ((await admin.get(`/stocks/${productId}`)).body.available === 50) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  t.equal((await admin.get(`/stocks/${productId}`)).body.available, 50, '50 available before the rush');

  let minAvailable = Number.POSITIVE_INFINITY;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const level = await admin.get(`/stocks/${productId}`);
      if (level.status === 200) minAvailable = Math.min(minAvailable, level.body.available);
      await new Promise((res) => setTimeout(res, 25));
    }
  })();

  const placed = await Promise.all(
    Array.from({ length: 200 }, (_, i) => {
      const c = customers[i % customers.length];
      return c.client.post('/orders', { ...body, shippingAddressId: c.addressId }).then((r) => ({ r, c }));
    }),
  );
  t.equal(placed.filter(({ r }) => r.status === 201).length, 200, 'all 200 orders accepted');

  const finals = await Promise.all(
    placed.map(({ r, c }) => waitForStatus(c.client, r.body.id, undefined, 120_000)),
  );
  watching = false;
  await watcher;

  const confirmed = finals.filter((o) => o.status === 'CONFIRMED');
  const cancelled = finals.filter((o) => o.status === 'CANCELLED');
  t.equal(confirmed.length, 50, 'exactly 50 confirmed');
  t.equal(cancelled.length, 150, 'exactly 150 cancelled');
  t.ok(
    cancelled.every((o) => o.cancelReason === 'out_of_stock'),
    'cancelled for lack of stock',
  );
  t.ok(minAvailable >= 0, `available never below zero (lowest seen: ${minAvailable})`);

  const level = (await admin.get(`/stocks/${productId}`)).body;
  t.equal(level.reserved, 50, '50 units reserved');
  t.equal(level.available, 0, 'nothing left');
  t.equal(level.onHand, 50, 'on hand unchanged until shipment');
});
