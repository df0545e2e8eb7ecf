// A floor on search quality (issue 15): a small version of the judged set `npm run eval:search`
// measures at 100,000 books — the same generator and queries, 2,000 books — loaded into this test's
// schema and searched through the service.
import t from 'tap';
import { generateEvalSet } from '../eval/generate.ts';
import { loadEvalSet, runQueries, score } from '../eval/harness.ts';
import { startCatalog } from './helpers.ts';

t.test('the judged query set, small: quality stays above its floor', async (t) => {
  const c = await startCatalog(t);
  const set = generateEvalSet({
    products: 2000,
    queriesPerKind: {
      exact: 20,
      typo1: 15,
      typo2: 8,
      transposition: 10,
      prefix: 10,
      author: 10,
      description: 10,
      multi: 10,
      'description-typo': 6,
    },
  });
  t.equal(set.products.length, 2000);
  t.ok(set.queries.length >= 90, `${set.queries.length} judged queries`);
  await loadEvalSet(c.app.orm.em.fork(), set);
  await c.app.productCache.invalidatePages();
  const { results } = await runQueries(c.app, set.queries);
  const s = score(set.queries, results);
  t.comment(JSON.stringify(s));
  // The goals of the issue (success@1 ≥ 0.9 on exact titles, recall@10 ≥ 0.95 misspelt) hold at
  // 100,000 books (README: Search); the floors here are the goals, less a margin for the small sample
  // where one query moves a figure by several points. Misspelt: the goal itself, since a misspelling
  // that lost a letter is corrected by the word it stands for (1.0 here, 1.0 at 100,000).
  t.ok(s.exact!.successAt1 >= 0.95, `exact titles: success@1 ${s.exact!.successAt1}`);
  t.ok(s['misspelt (all)']!.recallAt10 >= 0.95, `misspelt: recall@10 ${s['misspelt (all)']!.recallAt10}`);
  t.ok(s.prefix!.recallAt10 >= 0.9, `prefix: recall@10 ${s.prefix!.recallAt10}`);
  t.ok(s.author!.recallAt10 >= 0.9, `author: recall@10 ${s.author!.recallAt10}`);
  t.ok(s.description!.recallAt10 >= 0.9, `description: recall@10 ${s.description!.recallAt10}`);
  t.ok(s.multi!.recallAt10 >= 0.9, `multi-word: recall@10 ${s.multi!.recallAt10}`);
  t.ok(s.all!.mrr >= 0.85, `all: MRR ${s.all!.mrr}`);

  // The generator is deterministic: the same seed, the same catalog and queries.
  const again = generateEvalSet({ products: 2000, queriesPerKind: { exact: 20 } });
  t.same(again.products.slice(0, 5), set.products.slice(0, 5));
});
