// Stock hoarding (issue 9), end to end through the gateway: an order whose card is declined keeps its
// stock while the customer may pay again, but only as long as nobody else needs it. Another buyer's
// order reclaims it (the declined order is cancelled, out_of_stock) and confirms at once, with the
// default 10-minute retry window still open. A customer who is paying again keeps the hold.
import { eventually, TEST_DATABASE_URL } from '@mercato/testing';
import pg from 'pg';
import t from 'tap';
import { adminClient, type Client, newCustomer, stockedProduct, waitForStatus } from '../support/client.ts';
import { startSystem } from '../support/system.ts';

const system = await startSystem({
  // The default window (10 min): nothing in this test waits for it.
  env: { orders: { PAYMENT_RETRY_WINDOW_MS: String(10 * 60_000) } },
});
t.teardown(() => system.stop());
const admin = await adminClient(system.gatewayUrl);
const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
await db.connect();
t.teardown(() => db.end());

/** Places an order, retrying while the orders service has not yet learned of a new product. */
async function place(client: Client, addressId: string, productId: string, quantity: number, token: string) {
  const reply = await eventually(
    async () => {
      const r = await client.post('/orders', {
        lines: [{ productId, quantity }],
        shippingAddressId: addressId,
        paymentMethod: { type: 'card', token },
      });
      if (r.status === 422 && /product/i.test(JSON.stringify(r.body))) throw new Error('not yet');
      return r;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  if (reply.status !== 201) throw new Error(`placing: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Whether inventory has marked the order's hold as declined (true), unmarked it (false), or none. */
async function holdDeclined(orderId: string): Promise<boolean | undefined> {
  const { rows } = await db.query(
    `select declined_at is not null as declined from "${system.schemas.inventory}".reservation
      where order_id = $1 and status = 'HELD'`,
    [orderId],
  );
  return rows[0]?.declined;
}

async function declinedAndAwaitingPayment(client: Client, orderId: string) {
  await eventually(
    async () => {
      const order = (await client.get(`/orders/${orderId}`)).body;
      if (order.status !== 'PENDING' || !order.payment) throw new Error('decline not recorded by orders');
      if ((await holdDeclined(orderId)) !== true) throw new Error('decline not recorded by inventory');
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
}

/** The product's level, from inventory's own rows (what reservations change). */
async function stockOf(productId: string) {
  const { rows } = await db.query(
    `select sum(on_hand)::int as "onHand", sum(reserved)::int as reserved,
            sum(on_hand - reserved)::int as available
       from "${system.schemas.inventory}".stock where product_id = $1`,
    [productId],
  );
  return rows[0] as { onHand: number; reserved: number; available: number };
}

t.test("a declined order's hold yields to another buyer, who confirms at once", async (t) => {
  const { productId } = await stockedProduct(admin, { onHand: 3, price: '20.00' });
  const hoarder = await newCustomer(system.gatewayUrl);
  const buyer = await newCustomer(system.gatewayUrl);

  const hoard = await place(hoarder.client, hoarder.addressId, productId, 3, 'tok_chargeDeclined');
  await declinedAndAwaitingPayment(hoarder.client, hoard.id);
  t.match(await stockOf(productId), { reserved: 3, available: 0 }, 'the whole stock is held');

  const order = await place(buyer.client, buyer.addressId, productId, 1, 'tok_visa');
  const settled = await waitForStatus(buyer.client, order.id);
  t.equal(settled.status, 'CONFIRMED', "the other buyer's order confirms, within the retry window");

  const lost = await waitForStatus(hoarder.client, hoard.id, new Set(['CANCELLED']), 15_000);
  t.equal(lost.cancelReason, 'out_of_stock', 'the declined order lost its stock');
  await eventually(async () => {
    const stock = await stockOf(productId);
    if (stock.reserved !== 1) throw new Error(`reserved ${stock.reserved}`);
  });
  t.match(await stockOf(productId), { onHand: 3, reserved: 1, available: 2 }, 'only the paid unit is held');

  const late = await hoarder.client.post(
    '/payments',
    { orderId: hoard.id, paymentMethod: { type: 'card', token: 'tok_visa' } },
    { 'idempotency-key': `late-${hoard.id}` },
  );
  t.equal(late.status, 409, 'the declined order can no longer be paid');
});

t.test('a customer paying again keeps the hold: the other buyer is out of stock', async (t) => {
  const { productId } = await stockedProduct(admin, { onHand: 2, price: '20.00' });
  const first = await newCustomer(system.gatewayUrl);
  const second = await newCustomer(system.gatewayUrl);

  const declined = await place(first.client, first.addressId, productId, 2, 'tok_chargeDeclined');
  await declinedAndAwaitingPayment(first.client, declined.id);
  const paid = await first.client.post(
    '/payments',
    { orderId: declined.id, paymentMethod: { type: 'card', token: 'tok_visa' } },
    { 'idempotency-key': `retry-${declined.id}` },
  );
  t.equal(paid.status, 201, JSON.stringify(paid.body));
  t.equal((await waitForStatus(first.client, declined.id)).status, 'CONFIRMED', 'the retry paid');
  await eventually(async () => {
    if ((await holdDeclined(declined.id)) !== false) throw new Error('retry not recorded by inventory');
  });

  const order = await place(second.client, second.addressId, productId, 1, 'tok_visa');
  const settled = await waitForStatus(second.client, order.id);
  t.match(settled, { status: 'CANCELLED', cancelReason: 'out_of_stock' }, 'a paid hold is never reclaimed');
  t.equal((await first.client.get(`/orders/${declined.id}`)).body.status, 'CONFIRMED');
  t.match(await stockOf(productId), { reserved: 2, available: 0 });
});
