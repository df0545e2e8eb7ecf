// The read cache of a replica that handles no event itself follows the change feed (changed_xid): a
// product that goes inactive leaves its answers within a second (test 3 of issue 16, across replicas),
// and a cancelled order's pairs leave its cached lists.
import type { ProductSnapshot } from '@mercato/contracts';
import { deleteConsumerTopology, uniqueName } from '@mercato/testing';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { setup, testConfig } from './helpers.ts';

const RETRY_DELAYS_MS = [200, 500];
const CONSUMERS = ['purchases', 'products', 'stock-levels', 'erasure'].map((c) => `recommendations.${c}`);

t.test(
  'another replica: an inactive product leaves its answers within a second, a cancellation too',
  async (t) => {
    const s = await setup(t);
    // Replica B: same schema, an exchange of its own, so it handles none of the events published here.
    const exchange = uniqueName('t_rec_ex_b');
    const b = await buildApp(testConfig(s.schema, exchange), {
      retryDelaysMs: RETRY_DELAYS_MS,
      quotaPrefix: uniqueName('t_rec_quota_b'),
    });
    t.teardown(async () => {
      await b.close();
      await deleteConsumerTopology(exchange, CONSUMERS, RETRY_DELAYS_MS);
    });
    const fromB = async (id: string) => {
      const res = await b.inject({ method: 'GET', url: `/recommendations/products/${id}?limit=5` });
      t.equal(res.statusCode, 200);
      return (res.json().items as { productId: string; reason: string }[])
        .filter((i) => i.reason === 'bought_together')
        .map((i) => i.productId);
    };

    /** Milliseconds from now until B's list for `seed` no longer names `id` (Infinity: not within 5 s). */
    const untilGone = async (seed: string, id: string) => {
      const start = Date.now();
      while (Date.now() - start < 5_000) {
        if (!(await fromB(seed)).includes(id)) return Date.now() - start;
        await new Promise((r) => setTimeout(r, 20));
      }
      return Number.POSITIVE_INFINITY;
    };

    const [seed, hot, cold] = (await s.products(3)) as [string, string, string];
    const withCold = s.confirmedEvent([seed, cold]);
    await s.deliver([s.confirmedEvent([seed, hot]), s.confirmedEvent([seed, hot]), withCold]);
    t.same(await fromB(seed), [hot, cold], 'B answers from the tables what A learnt');
    t.same(await fromB(seed), [hot, cold], 'and again (from its cache)');

    const inactive: ProductSnapshot = {
      productId: hot,
      name: 'Product hot',
      price: { amount: '10.00', currency: 'EUR' },
      active: false,
      category: 'books',
      version: 2,
    };
    await s.publish([s.event('product.updated', inactive, 'catalog')]);
    const gone = await untilGone(seed, hot);
    t.ok(gone < 1_000, `inactive: gone from B's answers ${gone} ms after publishing (< 1000)`);

    await s.publish([s.cancelledEvent(withCold)]);
    const cancelled = await untilGone(seed, cold);
    t.ok(cancelled < 1_000, `cancelled: the pair left B's cached list ${cancelled} ms after publishing`);
    t.same(await fromB(seed), [], 'nothing bought together with it any more');
  },
);
