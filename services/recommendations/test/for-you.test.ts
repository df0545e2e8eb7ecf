// Issue 16, test 4: a new customer gets popular items (recent popularity, per category); a customer's
// own purchases are excluded from "for you".
import t from 'tap';
import { setup } from './helpers.ts';

t.test('a new customer gets popular items, best sellers of each category first', async (t) => {
  const s = await setup(t);
  const books = await s.products(3, { category: 'books' });
  const toys = await s.products(2, { category: 'toys' });
  const [b1, b2, b3] = books as [string, string, string];
  const [t1, t2] = toys as [string, string];
  // Sales: b1 5, b2 3, b3 1, t1 2, t2 1 (separate orders: nothing bought together).
  await s.orders([[b1], [b1], [b1], [b1], [b1], [b2], [b2], [b2], [b3], [t1], [t1], [t2]]);
  const newcomer = await s.user();
  const answer = await s.forMe(newcomer.token, 5);
  t.equal(answer.personalised, false);
  t.ok(answer.items.every((i) => i.reason === 'popular_in_category'));
  t.same(
    answer.items.map((i) => i.productId),
    [b1, t1, b2, t2, b3],
    'the best of each category, then the second of each, ...',
  );
  t.equal(answer.items[0]!.score, 1, 'scored as a share of the best seller');

  // The same list without a token (GET /recommendations/popular), and one category alone.
  const all = await s.get('/recommendations/popular?limit=5');
  t.equal(all.statusCode, 200);
  t.same(
    all.json().items.map((i: { productId: string }) => i.productId),
    [b1, t1, b2, t2, b3],
  );
  const toysOnly = await s.get('/recommendations/popular?category=toys&limit=5');
  t.same(
    toysOnly.json().items.map((i: { productId: string }) => i.productId),
    [t1, t2],
  );
  t.equal((await s.get('/recommendations/popular?limit=0')).statusCode, 400);
});

t.test('recent sales count more than old ones (the popularity window)', async (t) => {
  const s = await setup(t, { POPULAR_HALF_LIFE_DAYS: 7 });
  const [old, fresh] = (await s.products(2)) as [string, string];
  // old sold 4 times 30 days ago (weight 4 × 2^(-30/7) ≈ 0.2), fresh twice now.
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const olds = [1, 2, 3, 4].map(() => ({ ...s.confirmedEvent([old]), occurredAt: monthAgo }));
  await s.deliver(olds);
  await s.orders([[fresh], [fresh]]);
  const answer = await s.forMe((await s.user()).token, 2);
  t.same(
    answer.items.map((i) => i.productId),
    [fresh, old],
  );
});

t.test('a customer\'s own purchases are never in "for you"', async (t) => {
  const s = await setup(t);
  const [a, b, c, d, e] = (await s.products(5)) as [string, string, string, string, string];
  const customer = await s.user();
  // Others buy a with b and c; b with d. The customer bought a and b.
  await s.orders([
    [a, b],
    [a, b],
    [a, c],
    [b, d],
    [a, b, e],
  ]);
  await s.orders([[a], [b]], customer.id);
  const answer = await s.forMe(customer.token, 10);
  t.equal(answer.personalised, true);
  const ids = answer.items.map((i) => i.productId);
  t.notOk(ids.includes(a) || ids.includes(b), 'nothing the customer bought');
  const together = answer.items.filter((i) => i.reason === 'bought_together').map((i) => i.productId);
  t.same(together.sort(), [c, d, e].sort(), 'what goes with their purchases');

  // Once b is returned in full it is no longer theirs: it may be recommended again.
  // (A cancelled order of the customer also stops counting as bought.)
  const [cOrder] = await s.orders([[c]], customer.id);
  let again = await s.forMe(customer.token, 10);
  t.notOk(
    again.items.some((i) => i.productId === c),
    'a new purchase is excluded at once',
  );
  await s.deliver([s.cancelledEvent(cOrder!)]);
  again = await s.forMe(customer.token, 10);
  t.ok(
    again.items.some((i) => i.productId === c),
    'a cancelled purchase is not "bought"',
  );

  // Anonymous callers have no "me".
  const res = await s.get('/recommendations/me');
  t.equal(res.statusCode, 401);
});
