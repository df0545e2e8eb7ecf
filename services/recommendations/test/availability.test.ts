// Issue 16, test 3: a product that goes inactive or out of stock disappears from every answer within a
// second of its event (and comes back when it is for sale again).
import type { ProductSnapshot } from '@mercato/contracts';
import t from 'tap';
import { type Setup, setup } from './helpers.ts';

const BUDGET_MS = 1_000;

/** Every answer that could name the product: bought together, for a buyer, for a new customer. */
async function everyAnswer(s: Setup, seed: string, buyer: string, newcomer: string) {
  const ids = [
    ...(await s.forProduct(seed, 20)),
    ...(await s.forMe(buyer, 20)).items,
    ...(await s.forMe(newcomer, 20)).items,
  ].map((i) => i.productId);
  return new Set(ids);
}

async function timeUntilGone(check: () => Promise<Set<string>>, id: string): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < 5_000) {
    if (!(await check()).has(id)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  return Number.POSITIVE_INFINITY;
}

t.test('inactive or out of stock: gone from every answer within a second, back when for sale', async (t) => {
  const s = await setup(t);
  const [seed, hot, cold, other] = (await s.products(4)) as [string, string, string, string];
  const buyer = await s.user();
  const newcomer = await s.user();
  // hot and cold are bought with seed (and are popular); the buyer bought seed only.
  await s.orders([
    [seed, hot],
    [seed, hot],
    [seed, cold],
    [hot, other],
    [cold, other],
  ]);
  await s.orders([[seed]], buyer.id);
  const answers = () => everyAnswer(s, seed, buyer.token, newcomer.token);
  const all = await answers();
  t.ok(all.has(hot) && all.has(cold), 'both are recommended at first');

  // Deactivated in catalog.
  const deactivated: ProductSnapshot = {
    productId: hot,
    name: 'Product hot',
    price: { amount: '10.00', currency: 'EUR' },
    active: false,
    category: 'books',
    version: 2,
  };
  const off = s.event('product.updated', deactivated, 'catalog');
  const sentAt = Date.now();
  await s.publish([off]);
  const gone = await timeUntilGone(answers, hot);
  t.ok(gone < BUDGET_MS, `inactive product gone after ${gone} ms (< ${BUDGET_MS})`);
  t.ok(Date.now() - sentAt < 5_000);
  t.ok((await answers()).has(cold), 'the other one stays');

  // Out of stock in inventory.
  const empty = s.stockEvent([{ productId: cold, available: 0, version: 7 }]);
  await s.publish([empty]);
  const goneToo = await timeUntilGone(answers, cold);
  t.ok(goneToo < BUDGET_MS, `out-of-stock product gone after ${goneToo} ms (< ${BUDGET_MS})`);

  // A late, older level does not bring it back; a newer one does. Reactivation brings hot back.
  await s.deliver([s.stockEvent([{ productId: cold, available: 9, version: 6 }])]);
  t.notOk((await answers()).has(cold), 'an older stock level changes nothing');
  await s.deliver([
    s.stockEvent([{ productId: cold, available: 9, version: 8 }]),
    s.event('product.updated', { ...deactivated, active: true, version: 3 }, 'catalog'),
  ]);
  const back = await answers();
  t.ok(back.has(cold) && back.has(hot), 'both back once for sale again');

  // Deleted: gone for good, and an older snapshot arriving late does not revive it.
  await s.deliver([s.event('product.deleted', { productId: hot, version: 4 }, 'catalog')]);
  await s.deliver([s.event('product.updated', { ...deactivated, active: true, version: 3 }, 'catalog')]);
  t.notOk((await answers()).has(hot), 'a deleted product never comes back from an older event');
  const res = await s.get(`/recommendations/products/${hot}`);
  t.equal(res.statusCode, 404, 'a deleted product has no recommendations of its own');
});
