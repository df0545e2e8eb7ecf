// Issue 16, tests 1 and 2: bought together in order of strength, nothing never bought with it; a
// cancelled order (or a returned product) is taken back; the same event twice changes nothing.
import t from 'tap';
import { setup } from './helpers.ts';

t.test('after confirmed orders, bought-together lists co-purchased products strongest first', async (t) => {
  const s = await setup(t);
  const [a, b, c, d, e, f] = (await s.products(6)) as [string, string, string, string, string, string];
  // a with b three times, with c twice, with d once; e and f are bought, but never with a.
  await s.orders([
    [a, b],
    [a, b],
    [a, b, c],
    [a, c],
    [a, d],
    [e, f],
    [e, f],
    [b, e],
  ]);

  const items = await s.forProduct(a);
  t.same(
    items.filter((i) => i.reason === 'bought_together').map((i) => i.productId),
    [b, c, d],
    'b (3 orders), c (2), d (1)',
  );
  t.ok(items[0]!.score > items[1]!.score && items[1]!.score > items[2]!.score, 'scores fall');
  t.ok(
    items.every((i) => i.score > 0 && i.score <= 1),
    'scores in (0, 1]',
  );
  // Filled up with popular products of the category, never as bought together.
  for (const never of [e, f])
    t.notOk(
      items.some((i) => i.productId === never && i.reason === 'bought_together'),
      'a product never bought with it is not bought together',
    );
  const strict = await s.forProduct(a, 3);
  t.same(
    strict.map((i) => i.productId),
    [b, c, d],
    'with limit 3 only the co-purchased ones',
  );
  t.notOk(
    strict.some((i) => i.productId === a),
    'never the product itself',
  );

  // a is in 5 orders, b in 4, 3 of them together (decayed counts: within seconds, plain counts).
  t.equal(
    Math.round(items[0]!.score * 100) / 100,
    Math.round((3 / Math.sqrt(5 * 4)) * 100) / 100,
    'cosine 3/√(5·4)',
  );
});

t.test('a best-seller bought with everything does not top every list (cosine, not counts)', async (t) => {
  const s = await setup(t);
  const [x, y, hit] = (await s.products(3)) as [string, string, string];
  const baskets: string[][] = [];
  // hit is in 20 orders with other things and 4 times with x; y is bought 3 times, always with x.
  // By counts hit (4) would come first; by cosine y (3/√(7·3) ≈ 0.65) beats hit (4/√(7·24) ≈ 0.31).
  const others = await s.products(20, { category: 'toys' });
  for (const o of others) baskets.push([hit, o]);
  baskets.push([x, y], [x, y], [x, y], [x, hit], [x, hit], [x, hit], [x, hit]);
  await s.orders(baskets);
  const items = await s.forProduct(x, 2);
  t.same(
    items.map((i) => [i.productId, i.reason]),
    [
      [y, 'bought_together'],
      [hit, 'bought_together'],
    ],
  );
});

t.test('a cancelled order is taken back; the same event twice changes nothing', async (t) => {
  const s = await setup(t);
  const [a, b, c] = (await s.products(3)) as [string, string, string];
  const [ab] = await s.orders([[a, b]]);
  const before = await s.fingerprint();
  const abc = s.confirmedEvent([a, b, c]);
  await s.deliver([abc]);
  const learnt = await s.forProduct(a, 2);
  t.same(
    learnt.map((i) => i.productId),
    [b, c],
    'b (2 orders) then c (1)',
  );
  const afterConfirm = await s.fingerprint();

  // The same message again (redelivery), and the same order under another message id: no change.
  await s.deliver([{ ...abc }]);
  await s.deliver([{ ...abc, id: s.event('x', {}).id }]);
  t.same(await s.fingerprint(), afterConfirm, 'a repeated confirmation changes nothing');

  const cancel = s.cancelledEvent(abc);
  await s.deliver([cancel]);
  t.same(await s.fingerprint(), before, 'the statistics are exactly as before the order');
  const after = await s.forProduct(a, 3);
  t.same(
    after.filter((i) => i.reason === 'bought_together').map((i) => i.productId),
    [b],
    'c is gone',
  );
  t.notOk(after.some((i) => i.productId === c && i.reason === 'bought_together'));

  // The cancellation again, as a redelivery and as a new message: nothing changes.
  await s.deliver([{ ...cancel, id: s.event('x', {}).id }]);
  t.same(await s.fingerprint(), before, 'a repeated cancellation changes nothing');
  t.ok(ab, 'the first order stays');
});

t.test('a cancellation that arrives before its confirmation: the late confirmation is ignored', async (t) => {
  const s = await setup(t);
  const [a, b] = (await s.products(2)) as [string, string];
  const before = await s.fingerprint();
  const order = s.confirmedEvent([a, b]);
  await s.deliver([s.cancelledEvent(order)]);
  await s.deliver([order]);
  t.same(await s.fingerprint(), before, 'nothing learnt');
  // A cancellation while PENDING (never confirmed) leaves nothing behind either.
  const pending = s.confirmedEvent([a, b]);
  await s.deliver([s.cancelledEvent(pending, 'PENDING')]);
  const rows = await s.sql(`select count(*)::int as n from "${s.schema}".purchase`);
  t.equal(rows[0].n, 1, 'only the tombstone of the confirmed-then-cancelled order');
});

t.test('a fully returned product leaves the basket; a partly returned one stays', async (t) => {
  const s = await setup(t);
  const [a, b, c] = (await s.products(3)) as [string, string, string];
  const order = s.confirmedEvent([a, b, c]);
  order.data.lines[2]!.quantity = 2; // two of c
  await s.deliver([order]);
  t.same((await s.forProduct(a, 2)).map((i) => i.productId).sort(), [b, c].sort());
  const ret = s.returnEvent(order, [b, c]); // all of b, one of two c
  await s.deliver([ret]);
  const items = await s.forProduct(a, 3);
  t.same(
    items.filter((i) => i.reason === 'bought_together').map((i) => i.productId),
    [c],
    'b was returned in full: no longer bought with a',
  );
  const fp = await s.fingerprint();
  await s.deliver([{ ...ret, id: s.event('x', {}).id }]);
  t.same(await s.fingerprint(), fp, 'the same return twice changes nothing');
});
