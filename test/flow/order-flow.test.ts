// The order flow end to end, through the gateway as a client would call it: the happy path, out of
// stock, a declined card, a customer's cancellation after payment, and who may see what.
import { eventually } from '@mercato/testing';
import t from 'tap';
import { adminClient, type Client, newCustomer, stockedProduct, waitForStatus } from '../support/client.ts';
import { startSystem } from '../support/system.ts';

const system = await startSystem();
t.teardown(() => system.stop());
const admin = await adminClient(system.gatewayUrl);

/** Places an order, retrying while the orders service has not yet learned of a new product. */
async function placeOrder(client: Client, body: unknown, headers?: Record<string, string>) {
  return eventually(
    async () => {
      const reply = await client.post('/orders', body, headers);
      if (reply.status === 422 && /product/i.test(JSON.stringify(reply.body))) throw new Error('not yet');
      return reply;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
}

async function paymentsOf(orderId: string) {
  const reply = await admin.get('/payments?pageSize=100');
  return (reply.body.items as any[]).filter((p) => p.orderId === orderId);
}
async function invoicesOf(orderId: string) {
  const reply = await admin.get('/invoices?pageSize=100');
  return (reply.body.items as any[]).filter((i) => i.orderId === orderId);
}
async function stockOf(productId: string) {
  return (await admin.get(`/stocks/${productId}`)).body;
}

t.test('happy path: placed, reserved, charged once, confirmed, invoiced', async (t) => {
  const name = `The Hobbit ${Math.random().toString(36).slice(2, 8)}`;
  const { productId } = await stockedProduct(admin, { onHand: 10, price: '19.99', name });
  const alice = await newCustomer(system.gatewayUrl);
  const placed = await placeOrder(
    alice.client,
    {
      lines: [{ productId, quantity: 2 }],
      shippingAddressId: alice.addressId,
      paymentMethod: { type: 'card', token: 'tok_visa' },
    },
    { 'idempotency-key': `happy-${productId}` },
  );
  t.equal(placed.status, 201, 'order accepted');
  t.equal(placed.body.status, 'PENDING');
  t.same(placed.body.total, { amount: '39.98', currency: 'EUR' }, 'total from the snapshotted price');

  const order = await waitForStatus(alice.client, placed.body.id);
  t.equal(order.status, 'CONFIRMED');

  const payments = await eventually(async () => {
    const p = await paymentsOf(order.id);
    if (p.length === 0) throw new Error('no payment yet');
    return p;
  });
  t.equal(payments.length, 1, 'one payment');
  t.same(payments[0].amount, { amount: '39.98', currency: 'EUR' });

  const invoices = await eventually(async () => {
    const i = await invoicesOf(order.id);
    if (i.length === 0) throw new Error('no invoice yet');
    return i;
  });
  t.equal(invoices.length, 1, 'one invoice');
  t.match(invoices[0].number, /^\d{4}-\d+$/, 'a numbered invoice');
  t.match(
    invoices[0].lines,
    [{ productId, productName: name, quantity: 2, lineTotal: { amount: '39.98' } }],
    'the invoice names the product as ordered',
  );

  const stock = await stockOf(productId);
  t.equal(stock.reserved, 2, 'two units reserved');
  t.equal(stock.available, 8);

  const history = await alice.client.get(`/orders/${order.id}/status`);
  t.equal(history.status, 200);
  t.ok(JSON.stringify(history.body).includes('CONFIRMED'), 'the transition is recorded');

  const again = await alice.client.post(
    '/orders',
    {
      lines: [{ productId, quantity: 2 }],
      shippingAddressId: alice.addressId,
      paymentMethod: { type: 'card', token: 'tok_visa' },
    },
    { 'idempotency-key': `happy-${productId}` },
  );
  t.equal(again.body.id, placed.body.id, 'the same Idempotency-Key gives the same order');
});

t.test('out of stock: cancelled, nothing charged, nothing reserved', async (t) => {
  const { productId } = await stockedProduct(admin, { onHand: 1 });
  const bob = await newCustomer(system.gatewayUrl);
  const placed = await placeOrder(bob.client, {
    lines: [{ productId, quantity: 3 }],
    shippingAddressId: bob.addressId,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  });
  t.equal(placed.status, 201);
  const order = await waitForStatus(bob.client, placed.body.id);
  t.equal(order.status, 'CANCELLED');
  t.equal(order.cancelReason, 'out_of_stock');
  // Give a wrong charge time to happen before asserting that none did.
  await new Promise((r) => setTimeout(r, 500));
  t.equal((await paymentsOf(order.id)).length, 0, 'no charge');
  t.equal((await stockOf(productId)).reserved, 0, 'nothing reserved');
});

t.test('payment declined: cancelled and the reservation released', async (t) => {
  const { productId } = await stockedProduct(admin, { onHand: 5 });
  const carol = await newCustomer(system.gatewayUrl);
  const placed = await placeOrder(carol.client, {
    lines: [{ productId, quantity: 2 }],
    shippingAddressId: carol.addressId,
    paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
  });
  const order = await waitForStatus(carol.client, placed.body.id);
  t.equal(order.status, 'CANCELLED');
  t.equal(order.cancelReason, 'payment_failed');
  await eventually(async () => {
    const stock = await stockOf(productId);
    if (stock.reserved !== 0) throw new Error(`still reserved: ${stock.reserved}`);
  });
  t.equal((await stockOf(productId)).available, 5, 'all five available again');
  t.equal((await invoicesOf(order.id)).length, 0, 'no invoice');
});

t.test('customer cancels a CONFIRMED order: refunded and released', async (t) => {
  const { productId } = await stockedProduct(admin, { onHand: 4 });
  const dan = await newCustomer(system.gatewayUrl);
  const placed = await placeOrder(dan.client, {
    lines: [{ productId, quantity: 1 }],
    shippingAddressId: dan.addressId,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  });
  const order = await waitForStatus(dan.client, placed.body.id);
  t.equal(order.status, 'CONFIRMED');
  const cancelled = await dan.client.post(`/orders/${order.id}/cancel`, {});
  t.equal(cancelled.status, 200, 'cancel accepted');
  t.equal(cancelled.body.status, 'CANCELLED');

  await eventually(async () => {
    const [payment] = await paymentsOf(order.id);
    if (!payment || !/REFUNDED/i.test(JSON.stringify(payment))) throw new Error('not refunded yet');
  });
  t.pass('the payment is refunded');
  await eventually(async () => {
    if ((await stockOf(productId)).reserved !== 0) throw new Error('still reserved');
  });
  t.equal((await stockOf(productId)).available, 4, 'stock released');
  const again = await dan.client.post(`/orders/${order.id}/cancel`, {});
  t.equal(again.status, 409, 'a cancelled order cannot be cancelled again');
  t.match(again.headers.get('content-type'), /application\/problem\+json/);
});

t.test('customers see only their own orders, payments and invoices', async (t) => {
  const { productId } = await stockedProduct(admin, { onHand: 3 });
  const owner = await newCustomer(system.gatewayUrl);
  const other = await newCustomer(system.gatewayUrl);
  const placed = await placeOrder(owner.client, {
    lines: [{ productId, quantity: 1 }],
    shippingAddressId: owner.addressId,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  });
  const order = await waitForStatus(owner.client, placed.body.id);
  const [payment] = await eventually(async () => {
    const p = await paymentsOf(order.id);
    if (!p.length) throw new Error('no payment');
    return p;
  });
  const [invoice] = await eventually(async () => {
    const i = await invoicesOf(order.id);
    if (!i.length) throw new Error('no invoice');
    return i;
  });

  t.equal((await owner.client.get(`/orders/${order.id}`)).status, 200, 'owner sees the order');
  t.equal((await owner.client.get(`/payments/${payment.id}`)).status, 200, 'owner sees the payment');
  t.equal((await owner.client.get(`/invoices/${invoice.id}`)).status, 200, 'owner sees the invoice');
  for (const path of [`/orders/${order.id}`, `/payments/${payment.id}`, `/invoices/${invoice.id}`]) {
    const reply = await other.client.get(path);
    t.equal(reply.status, 404, `another customer gets 404 for ${path.split('/')[1]}`);
    t.match(reply.headers.get('content-type'), /application\/problem\+json/);
  }
  const lists = await Promise.all(['/orders', '/payments', '/invoices'].map((p) => other.client.get(p)));
  for (const list of lists) t.equal(list.body.items.length, 0, 'lists hold only their own');
});

t.test('bad input on the order routes is a 4xx problem and changes nothing', async (t) => {
  const erin = await newCustomer(system.gatewayUrl);
  const before = (await erin.client.get('/orders')).body.total;
  const cases: [string, unknown][] = [
    [
      'no lines',
      { lines: [], shippingAddressId: erin.addressId, paymentMethod: { type: 'card', token: 'x' } },
    ],
    ['float quantity', { lines: [{ productId: erin.addressId, quantity: 1.5 }] }],
    ['unknown field', { lines: [], hack: true }],
  ];
  for (const [what, body] of cases) {
    const reply = await erin.client.post('/orders', body);
    t.equal(reply.status, 400, what);
    t.match(reply.headers.get('content-type'), /application\/problem\+json/, what);
  }
  const malformed = await fetch(`${system.gatewayUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${erin.client.token}` },
    body: '{"lines": [',
  });
  t.equal(malformed.status, 400, 'malformed JSON');
  const anonymous = await fetch(`${system.gatewayUrl}/orders`, { method: 'GET' });
  t.equal(anonymous.status, 401, 'no token');
  t.equal((await erin.client.get('/orders')).body.total, before, 'no order was created');
});
