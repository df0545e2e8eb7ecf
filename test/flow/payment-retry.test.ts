// The payment retry window end to end, through the gateway: a declined card leaves the order PENDING
// (stock still reserved) so the customer can pay again with POST /payments; an order not paid within
// the window is cancelled (payment_failed), its reservation released, and paying it then is a 409.
import { eventually, TEST_DATABASE_URL } from '@mercato/testing';
import pg from 'pg';
import t from 'tap';
import { adminClient, type Client, newCustomer, stockedProduct, waitForStatus } from '../support/client.ts';
import { startSystem } from '../support/system.ts';

const WINDOW_MS = 3000;
const system = await startSystem({
  env: { orders: { PAYMENT_RETRY_WINDOW_MS: String(WINDOW_MS), ORDER_SWEEP_INTERVAL_MS: '200' } },
});
t.teardown(() => system.stop());
const admin = await adminClient(system.gatewayUrl);

/** Places an order, retrying while the orders service has not yet learned of a new product. */
async function placeOrder(client: Client, body: unknown) {
  return eventually(
    async () => {
      const reply = await client.post('/orders', body);
      if (reply.status === 422 && /product/i.test(JSON.stringify(reply.body))) throw new Error('not yet');
      return reply;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
}

async function paymentsOf(orderId: string): Promise<any[]> {
  const reply = await admin.get(`/payments?orderId=${orderId}&pageSize=100`);
  if (reply.status !== 200) throw new Error(`payments: ${reply.status}`);
  return reply.body.items;
}
async function invoicesOf(orderId: string): Promise<any[]> {
  const reply = await admin.get('/invoices?pageSize=100');
  return (reply.body.items as any[]).filter((i) => i.orderId === orderId);
}
async function stockOf(productId: string) {
  return (await admin.get(`/stocks/${productId}`)).body;
}

/** Waits until the order shows a recorded payment failure (the decline was handled by orders). */
async function awaitingPayment(client: Client, orderId: string) {
  return eventually(
    async () => {
      const reply = await client.get(`/orders/${orderId}`);
      if (reply.status !== 200 || !reply.body.payment) throw new Error('no failure recorded yet');
      return reply.body;
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
}

const declinedOrder = async (client: Client, addressId: string, productId: string) => {
  const placed = await placeOrder(client, {
    lines: [{ productId, quantity: 2 }],
    shippingAddressId: addressId,
    paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
  });
  if (placed.status !== 201) throw new Error(`placing: ${placed.status} ${JSON.stringify(placed.body)}`);
  return placed.body;
};

t.test('a declined card waits for a retry; the retry pays, confirms and invoices once', async (t) => {
  const { productId } = await stockedProduct(admin, { onHand: 5, price: '15.00' });
  const alice = await newCustomer(system.gatewayUrl);
  const mallory = await newCustomer(system.gatewayUrl);
  const placed = await declinedOrder(alice.client, alice.addressId, productId);

  const awaiting = await awaitingPayment(alice.client, placed.id);
  t.equal(awaiting.status, 'PENDING', 'the decline does not cancel the order');
  t.notOk(awaiting.cancelReason);
  t.equal(awaiting.payment.reason, 'card_declined');
  t.equal(
    Date.parse(awaiting.payment.retryUntil) - Date.parse(awaiting.payment.failedAt),
    WINDOW_MS,
    'the customer is told until when to pay',
  );
  const status = await alice.client.get(`/orders/${placed.id}/status`);
  t.match(status.body, { status: 'PENDING', payment: { reason: 'card_declined' } });
  t.match(status.body.history, [
    { from: null, to: 'PENDING' },
    { from: 'PENDING', to: 'PENDING', cause: 'payment.failed' },
  ]);
  t.match(await stockOf(productId), { reserved: 2, available: 3 }, 'the stock stays reserved');
  t.match(await paymentsOf(placed.id), [{ status: 'failed', attempt: 1 }]);

  // Someone else cannot pay (or learn about) this order.
  const foreign = await mallory.client.post(
    '/payments',
    { orderId: placed.id, paymentMethod: { type: 'card', token: 'tok_visa' } },
    { 'idempotency-key': `mallory-${placed.id}` },
  );
  t.equal(foreign.status, 404, "another customer's POST /payments is 404");
  t.match(foreign.headers.get('content-type'), /application\/problem\+json/);
  t.equal((await paymentsOf(placed.id)).length, 1, 'and charges nothing');

  const key = `retry-${placed.id}`;
  const body = { orderId: placed.id, paymentMethod: { type: 'card', token: 'tok_visa' } };
  const paid = await alice.client.post('/payments', body, { 'idempotency-key': key });
  t.equal(paid.status, 201, JSON.stringify(paid.body));
  t.match(paid.body, {
    orderId: placed.id,
    status: 'succeeded',
    attempt: 2,
    amount: { amount: '30.00', currency: 'EUR' },
  });

  const order = await waitForStatus(alice.client, placed.id);
  t.equal(order.status, 'CONFIRMED');
  t.notOk(order.payment, 'no longer awaiting a payment');

  const payments = await paymentsOf(placed.id);
  t.same(
    payments.map((p) => p.status).sort(),
    ['failed', 'succeeded'],
    'two payments: the decline and the retry',
  );
  const invoices = await eventually(async () => {
    const i = await invoicesOf(placed.id);
    if (i.length === 0) throw new Error('no invoice yet');
    return i;
  });
  t.equal(invoices.length, 1, 'one invoice');
  t.match(await stockOf(productId), { reserved: 2, available: 3 }, 'reserved once');

  const replay = await alice.client.post('/payments', body, { 'idempotency-key': key });
  t.equal(replay.status, 201);
  t.equal(replay.body.id, paid.body.id, 'the same key replays the first payment');
  t.equal(replay.headers.get('idempotent-replayed'), 'true');

  // The window passing later changes nothing for a paid order.
  await new Promise((r) => setTimeout(r, WINDOW_MS + 500));
  t.equal((await alice.client.get(`/orders/${placed.id}`)).body.status, 'CONFIRMED');
  t.equal((await paymentsOf(placed.id)).length, 2, 'no second charge');
  t.same(
    (await paymentsOf(placed.id)).map((p) => p.refunded.amount),
    ['0.00', '0.00'],
    'nothing refunded',
  );
  t.equal((await invoicesOf(placed.id)).length, 1, 'still one invoice');
  t.match(await stockOf(productId), { reserved: 2 });
});

t.test(
  'a declined order not paid within the window is cancelled and released; paying it is 409',
  async (t) => {
    const { productId } = await stockedProduct(admin, { onHand: 4 });
    const bob = await newCustomer(system.gatewayUrl);
    const placed = await declinedOrder(bob.client, bob.addressId, productId);
    const awaiting = await awaitingPayment(bob.client, placed.id);
    t.equal(awaiting.status, 'PENDING');
    t.match(await stockOf(productId), { reserved: 2 });

    const order = await waitForStatus(bob.client, placed.id, new Set(['CANCELLED']), 20_000);
    t.match(order, {
      status: 'CANCELLED',
      cancelReason: 'payment_failed',
      payment: { reason: 'card_declined' },
    });
    const history = (await bob.client.get(`/orders/${placed.id}/status`)).body.history;
    t.match(history.at(-1), { from: 'PENDING', to: 'CANCELLED', cause: 'payment_retry_window' });
    t.ok(
      Date.parse(history.at(-1).at) - Date.parse(awaiting.payment.failedAt) >= WINDOW_MS,
      'cancelled only after the window',
    );
    await eventually(async () => {
      const stock = await stockOf(productId);
      if (stock.reserved !== 0) throw new Error(`still reserved: ${stock.reserved}`);
    });
    t.match(await stockOf(productId), { reserved: 0, available: 4 }, 'the reservation is released');

    // Payments learns of the cancellation from order.cancelled; wait until it has (its own table).
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    t.teardown(() => db.end());
    await eventually(async () => {
      const { rows } = await db.query(
        `select reason from "${system.schemas.payments}".order_cancellation where order_id = $1`,
        [placed.id],
      );
      if (rows.length === 0) throw new Error('payments has not seen the cancellation yet');
    });

    const late = await bob.client.post(
      '/payments',
      { orderId: placed.id, paymentMethod: { type: 'card', token: 'tok_visa' } },
      { 'idempotency-key': `late-${placed.id}` },
    );
    t.equal(late.status, 409);
    t.match(late.headers.get('content-type'), /application\/problem\+json/);
    t.match(late.body.detail, /cancelled \(payment_failed\); place it again/);
    t.match(await paymentsOf(placed.id), [{ status: 'failed', attempt: 1 }], 'no payment created');
    t.equal((await paymentsOf(placed.id)).length, 1);
    t.equal((await invoicesOf(placed.id)).length, 0, 'no invoice');
  },
);
