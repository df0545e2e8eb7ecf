// The offline evaluation on a small generated history: the learnt model beats popularity alone on
// hit rate@10 and coverage, and (cosine) does not fill its lists with the best-sellers.
import t from 'tap';
import { evaluate } from '../eval/evaluate.ts';
import { generate } from '../eval/generate.ts';

t.test('the learnt model beats the popularity baseline on a small planted history', async (t) => {
  const data = generate({ products: 300, orders: 4000, customers: 600, seed: 7 });
  const [popularity, counts, cosine] = evaluate(data);
  t.equal(popularity?.model, 'popularity');
  t.equal(cosine?.model, 'cosine');
  if (!popularity || !counts || !cosine) throw new Error('three models');
  t.ok(cosine.boughtTogether.asks > 500 && cosine.forYou.asks > 100, 'enough asks to judge by');
  t.ok(
    cosine.boughtTogether.hitRate > popularity.boughtTogether.hitRate + 0.2,
    `bought together: ${cosine.boughtTogether.hitRate.toFixed(3)} vs ${popularity.boughtTogether.hitRate.toFixed(3)}`,
  );
  t.ok(
    cosine.forYou.hitRate > popularity.forYou.hitRate + 0.1,
    `for you: ${cosine.forYou.hitRate.toFixed(3)} vs ${popularity.forYou.hitRate.toFixed(3)}`,
  );
  t.ok(cosine.boughtTogether.coverage > 10 * popularity.boughtTogether.coverage, 'coverage');
  t.ok(cosine.boughtTogether.planted > 0.2, 'finds the planted groups');
  t.ok(
    cosine.boughtTogether.bestSellers < counts.boughtTogether.bestSellers / 2,
    `best-sellers in the lists: cosine ${cosine.boughtTogether.bestSellers.toFixed(3)}, counts ${counts.boughtTogether.bestSellers.toFixed(3)}`,
  );
});

t.test('the generator is deterministic and time-ordered', async (t) => {
  const a = generate({ products: 50, orders: 100, customers: 10, seed: 3 });
  const b = generate({ products: 50, orders: 100, customers: 10, seed: 3 });
  t.same(a.orders, b.orders);
  t.ok(a.orders.every((o, i) => i === 0 || (a.orders[i - 1] as { atMs: number }).atMs <= o.atMs));
});
