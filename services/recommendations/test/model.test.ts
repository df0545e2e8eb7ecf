// The service's SQL and the in-memory model (domain/model.ts, used by eval/ and bench/) agree: the same
// history gives the same bought-together lists, scores included; and the pure pieces on their own.
import type { OrderConfirmed } from '@mercato/contracts';
import t from 'tap';
import { generate } from '../eval/generate.ts';
import { CoPurchaseModel } from '../src/domain/model.ts';
import { interleaveByCategory, mergeCandidates } from '../src/domain/ranking.ts';
import { applyViews } from '../src/domain/sessions.ts';
import { cosine, pairsTouching } from '../src/domain/similarity.ts';
import { recordProduct } from '../src/persistence/products.ts';
import { learnConfirmedOrder } from '../src/use-cases/learn-purchases.ts';
import { setup } from './helpers.ts';

t.test('SQL answers equal the in-memory model on a generated history', async (t) => {
  const s = await setup(t);
  const data = generate({ products: 60, orders: 400, customers: 50, seed: 5, days: 60 });
  const settings = { coPurchaseDays: 90, popularDays: 7 };
  const model = new CoPurchaseModel(settings);
  await s.app.orm.em.fork().transactional(async (em) => {
    for (const p of data.products)
      await recordProduct(em, {
        productId: p.productId,
        name: p.productId,
        price: { amount: '1.00', currency: 'EUR' },
        active: true,
        category: p.category,
        version: 1,
      });
    for (const o of data.orders) {
      model.addBasket(o.productIds, o.atMs);
      const data: OrderConfirmed = {
        orderId: o.orderId,
        userId: o.userId,
        revision: 1,
        lines: o.productIds.map((productId) => ({
          itemId: o.orderId,
          productId,
          quantity: 1,
          unitPrice: { amount: '1.00', currency: 'EUR' },
        })),
        total: { amount: '1.00', currency: 'EUR' },
      };
      await learnConfirmedOrder(
        em,
        { halfLives: settings, minCoPurchases: 1, viewSessionMinutes: 30, recentViewsKept: 20 },
        data,
        new Date(o.atMs),
      );
    }
  });
  let compared = 0;
  for (const p of data.products.slice(0, 25)) {
    const expected = model.similar(p.productId, 5);
    const got = (await s.forProduct(p.productId, 5)).filter((i) => i.reason === 'bought_together');
    t.same(
      got.map((i) => i.productId),
      expected.map((e) => e.productId),
      `same list for ${p.productId}`,
    );
    t.same(
      got.map((i) => i.score),
      expected.map((e) => Math.round(e.score * 10_000) / 10_000),
    );
    compared += expected.length;
  }
  t.ok(compared > 50, `${compared} recommendations compared`);
});

t.test('pure pieces', async (t) => {
  t.equal(cosine(2, 4, 1), 1, 'capped at 1');
  t.equal(cosine(0, 4, 1), 0);
  t.equal(cosine(3, 4, 9), 0.5);
  t.same(pairsTouching(['a', 'b', 'c'], new Set(['c'])), [
    ['a', 'c'],
    ['b', 'c'],
    ['c', 'a'],
    ['c', 'b'],
  ]);
  t.same(
    mergeCandidates(
      [
        [{ productId: 'x', score: 0.9, reason: 'bought_together' }],
        [
          { productId: 'x', score: 0.5, reason: 'viewed_together' },
          { productId: 'y', score: 0.4, reason: 'viewed_together' },
          { productId: 'z', score: 0.3, reason: 'viewed_together' },
        ],
      ],
      2,
    ).map((c) => [c.productId, c.reason]),
    [
      ['x', 'bought_together'],
      ['y', 'viewed_together'],
    ],
  );
  t.same(
    interleaveByCategory([
      { id: 1, category: 'a' },
      { id: 2, category: 'a' },
      { id: 3, category: 'b' },
      { id: 4, category: null },
    ]).map((p) => p.id),
    [1, 3, 4, 2],
  );
  const change = applyViews(['a'], ['b', 'a', 'c', 'b'], 20);
  t.same(change.newInSession, ['b', 'c']);
  t.same(Object.fromEntries(change.pairs), { 'b|a': 1, 'a|b': 1, 'c|a': 1, 'a|c': 1, 'c|b': 1, 'b|c': 1 });
});
