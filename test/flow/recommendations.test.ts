// Recommendations in the whole system, through the gateway: real orders confirmed by the payment flow
// teach "bought together"; a product deactivated in catalog leaves the answers; a customer's own
// purchases are not recommended to them; the gateway's /docs holds the service's operations.
import { eventually } from '@mercato/testing';
import t from 'tap';
import { adminClient, type Customer, newCustomer, stockedProduct, waitForStatus } from '../support/client.ts';
import { startSystem } from '../support/system.ts';

const system = await startSystem({ recommendations: true });
t.teardown(() => system.stop());
const admin = await adminClient(system.gatewayUrl);

async function buy(customer: Customer, productIds: string[]) {
  const reply = await customer.client.post('/orders', {
    lines: productIds.map((productId) => ({ productId, quantity: 1 })),
    shippingAddressId: customer.addressId,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  });
  if (reply.status !== 201) throw new Error(`order: ${reply.status} ${JSON.stringify(reply.body)}`);
  const order = await waitForStatus(customer.client, reply.body.id);
  if (order.status !== 'CONFIRMED') throw new Error(`order ${order.id} is ${order.status}`);
}

t.test('confirmed orders teach bought together; an inactive product leaves the answers', async (t) => {
  const [a, b, c, d] = await Promise.all(
    [1, 2, 3, 4].map(async () => (await stockedProduct(admin, { onHand: 100 })).productId),
  );
  const alice = await newCustomer(system.gatewayUrl);
  const bob = await newCustomer(system.gatewayUrl);
  await buy(alice, [a!, b!]);
  await buy(bob, [a!, b!, c!]);
  const anon = (path: string) =>
    fetch(`${system.gatewayUrl}${path}`).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as any,
    }));

  const learnt = await eventually(
    async () => {
      const r = await anon(`/recommendations/products/${a}?limit=3`);
      const together = r.body.items?.filter((i: any) => i.reason === 'bought_together') ?? [];
      if (together.length < 2) throw new Error(`not learnt yet: ${JSON.stringify(r.body)}`);
      return together.map((i: any) => i.productId);
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  t.same(learnt, [b, c], 'b (two orders) before c (one)');
  const withD = await anon(`/recommendations/products/${a}?limit=10`);
  t.notOk(
    withD.body.items.some((i: any) => i.productId === d && i.reason === 'bought_together'),
    'd was never bought with a',
  );

  // Bob bought a, b and c: "for you" never names them.
  const mine = await bob.client.get('/recommendations/me?limit=10');
  t.equal(mine.status, 200);
  t.notOk(
    mine.body.items.some((i: any) => [a, b, c].includes(i.productId)),
    'nothing bob bought',
  );

  // b deactivated in catalog: gone from a's list.
  const deactivated = await admin.request('PATCH', `/products/${b}`, { active: false });
  t.equal(deactivated.status, 200);
  await eventually(
    async () => {
      const r = await anon(`/recommendations/products/${a}?limit=10`);
      if (r.body.items.some((i: any) => i.productId === b)) throw new Error('b is still recommended');
    },
    { timeoutMs: 5_000, intervalMs: 100 },
  );

  const bad = await anon(`/recommendations/products/${a}?limit=500`);
  t.equal(bad.status, 400);
  t.equal(bad.body.type, 'https://mercato.dev/problems/validation-error');
});

t.test("the gateway's /docs holds the recommendations operations", async (t) => {
  const doc = (await (await fetch(`${system.gatewayUrl}/docs/json`)).json()) as any;
  // (shipping is not started here: it is skipped; recommendations must not be)
  const skipped = (doc['x-mercato-skipped'] ?? []) as { service: string }[];
  t.notOk(
    skipped.some((x) => x.service === 'recommendations'),
    'recommendations is in the merged document',
  );
  for (const path of ['/recommendations/products/{id}', '/recommendations/me', '/recommendations/events'])
    t.ok(doc.paths[path], `${path} in the merged document`);
});
