// The address on the order, through the gateway (issue 10, test 4): orders reads the address from its
// event-fed copy, or from identity as the caller when the copy has not heard of it yet (an address
// made a moment before works), accepts only the
// customer's own (422 naming the field otherwise), and keeps a snapshot that the invoice prints;
// editing or deleting the address afterwards changes neither the order nor the invoice.
import { eventually, pdfText } from '@mercato/testing';
import t from 'tap';
import { adminClient, type Client, newCustomer, stockedProduct, waitForStatus } from '../support/client.ts';
import { startSystem } from '../support/system.ts';

const system = await startSystem();
t.teardown(() => system.stop());
const admin = await adminClient(system.gatewayUrl);
const PROBLEM_BASE = 'https://mercato.dev/problems/';

async function invoicePdf(client: Client, invoiceId: string): Promise<string> {
  const res = await fetch(`${system.gatewayUrl}/invoices/${invoiceId}/pdf`, {
    headers: { authorization: `Bearer ${client.token}` },
  });
  if (res.status !== 200) throw new Error(`pdf: ${res.status} ${await res.text()}`);
  return pdfText(Buffer.from(await res.arrayBuffer()));
}

const order = (productId: string, shippingAddressId: string) => ({
  lines: [{ productId, quantity: 1 }],
  shippingAddressId,
  paymentMethod: { type: 'card', token: 'tok_visa' },
});

t.test("the order keeps the customer's address as it was; the invoice prints it", async (t) => {
  const { productId } = await stockedProduct(admin, { onHand: 10, price: '7.00' });
  const alice = await newCustomer(system.gatewayUrl);
  const bob = await newCustomer(system.gatewayUrl);

  // Created a moment before the order: when its address.changed is not in orders' copy yet, orders
  // asks identity; either way the order ships to it.
  const home = {
    recipient: 'Alice Liddell',
    street: '7 Rabbit Hole Lane',
    city: 'Oxford',
    postalCode: 'OX1 1AA',
    country: 'GB',
  };
  const created = await alice.client.post('/addresses', home);
  t.equal(created.status, 201);
  const addressId: string = created.body.id;
  const snapshot = {
    name: home.recipient,
    street: home.street,
    city: home.city,
    postalCode: home.postalCode,
    country: home.country,
  };
  // Retried only while orders has not yet learned of the new product (its prices come by events).
  const placed = await eventually(
    async () => {
      const r = await alice.client.post('/orders', order(productId, addressId));
      if (r.status === 422 && /product/i.test(JSON.stringify(r.body)))
        throw new Error('product not known yet');
      return r;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  t.equal(placed.status, 201, JSON.stringify(placed.body));
  t.same(placed.body.shippingAddress, snapshot, 'recipient as name, street, city, postal code, country');
  t.equal(placed.body.shippingAddressId, addressId);

  const before = (await alice.client.get('/orders')).body.total;
  for (const [why, id] of [
    ["another customer's address", bob.addressId],
    ['an unknown address', '0192f6a0-0000-7000-8000-000000000000'],
  ] as const) {
    const r = await alice.client.post('/orders', order(productId, id));
    t.equal(r.status, 422, why);
    t.match(r.headers.get('content-type'), /^application\/problem\+json/);
    t.match(r.body, {
      type: `${PROBLEM_BASE}unknown-shipping-address`,
      errors: [{ path: 'body/shippingAddressId' }],
    });
  }
  t.equal((await alice.client.get('/orders')).body.total, before, 'no order placed by the refusals');

  const confirmed = await waitForStatus(alice.client, placed.body.id);
  t.equal(confirmed.status, 'CONFIRMED');
  const invoice = await eventually(async () => {
    const r = await alice.client.get(`/invoices?orderId=${placed.body.id}`);
    if (r.body?.items?.length !== 1) throw new Error('no invoice yet');
    return r.body.items[0];
  });
  t.same(invoice.billingAddress, snapshot, 'the invoice JSON carries the snapshot');
  const printed = await invoicePdf(alice.client, invoice.id);
  for (const line of [home.recipient, home.street, `${home.postalCode} ${home.city}`, home.country])
    t.match(printed, line, `the PDF prints ${line}`);
  t.notMatch(printed, addressId, 'not the address id');

  // The customer edits the address, then deletes it: the order and the invoice stay as ordered.
  const edited = await alice.client.put(`/addresses/${addressId}`, {
    recipient: 'Mad Hatter',
    street: '1 Tea Party Road',
    city: 'Cambridge',
    postalCode: 'CB2 1TN',
    country: 'GB',
  });
  t.equal(edited.status, 200);
  const afterEdit = await alice.client.get(`/orders/${placed.body.id}`);
  t.same(afterEdit.body.shippingAddress, snapshot, 'the order after the edit');
  t.equal((await alice.client.delete(`/addresses/${addressId}`)).status, 204);
  const afterDelete = await alice.client.get(`/orders/${placed.body.id}`);
  t.same(afterDelete.body.shippingAddress, snapshot, 'the order after the delete');
  const invoiceAfter = await alice.client.get(`/invoices/${invoice.id}`);
  t.same(invoiceAfter.body.billingAddress, snapshot, 'the invoice JSON after both');
  const printedAfter = await invoicePdf(alice.client, invoice.id);
  t.equal(printedAfter, printed, 'the PDF after both is the same text');
  t.notMatch(printedAfter, 'Tea Party');

  // Within the event's lag after the delete, orders' copy still has the address (the documented
  // trade-off: such an order ships to the address as it was); once address.changed (deleted) is in,
  // the address is refused.
  const gone = await eventually(
    async () => {
      const r = await alice.client.post('/orders', order(productId, addressId));
      if (r.status === 201) throw new Error("the deletion is not in orders' copy yet");
      return r;
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  t.equal(gone.status, 422, 'a deleted address is no longer usable');
});
