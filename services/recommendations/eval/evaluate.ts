// Offline evaluation: train on the first 80 % of the orders by time, then for the last 20 % ask
// (1) "bought together": for each product of a test order, do the top 10 hold another product of
//     that order? (2) "for you": for a customer with a training history, do the top 10 hold a product
//     of their test order they had not bought before? Hit rate@10 = share of asks with a hit;
//     coverage = share of the catalog that appears in any top 10. The service's model (cosine, filled
//     up with popular items as the service does) against popularity alone and raw co-purchase counts.
import { CoPurchaseModel } from '../src/domain/model.ts';
import { NEIGHBOURS_KEPT } from '../src/domain/similarity.ts';
import type { Generated } from './generate.ts';

export type ModelName = 'popularity' | 'co-counts' | 'cosine';
export interface Scores {
  model: ModelName;
  boughtTogether: {
    asks: number;
    hitRate: number;
    coverage: number;
    /** share of the top-10 slots holding a product of the query's own planted group */
    planted: number;
    /** share of the top-10 slots holding a best-seller */
    bestSellers: number;
  };
  forYou: { asks: number; hitRate: number; coverage: number };
}

const K = 10;

export function evaluate(
  data: Generated,
  opts: { trainShare?: number; halfLives?: { coPurchaseDays: number; popularDays: number } } = {},
): Scores[] {
  const split = Math.floor(data.orders.length * (opts.trainShare ?? 0.8));
  const train = data.orders.slice(0, split);
  const test = data.orders.slice(split);
  const model = new CoPurchaseModel(opts.halfLives ?? { coPurchaseDays: 90, popularDays: 7 });
  const history = new Map<string, string[]>();
  for (const o of train) {
    model.addBasket(o.productIds, o.atMs);
    const h = history.get(o.userId) ?? [];
    h.push(...o.productIds);
    history.set(o.userId, h);
  }
  const catalog = data.products.length;
  const popularTop = model.popular(K + 50).map((p) => p.productId);
  const popularFill = (exclude: ReadonlySet<string>, have: string[]) => {
    const out = [...have];
    for (const p of popularTop) {
      if (out.length >= K) break;
      if (!exclude.has(p) && !out.includes(p)) out.push(p);
    }
    return out;
  };

  const topFor = (name: ModelName, query: string): string[] => {
    const exclude = new Set([query]);
    if (name === 'popularity') return popularFill(exclude, []);
    const measure = name === 'cosine' ? 'cosine' : 'count';
    return popularFill(
      exclude,
      model.similar(query, K, exclude, measure).map((c) => c.productId),
    );
  };
  const topForHistory = (name: ModelName, bought: string[]): string[] => {
    const exclude = new Set(bought);
    if (name === 'popularity') return popularFill(exclude, []);
    const seeds = [...new Set(bought)].slice(-20);
    if (name === 'cosine')
      return popularFill(
        exclude,
        model.forHistory(seeds, K, exclude, NEIGHBOURS_KEPT).map((c) => c.productId),
      );
    const sum = new Map<string, number>();
    for (const s of seeds)
      for (const c of model.similar(s, Number.POSITIVE_INFINITY, exclude, 'count'))
        sum.set(c.productId, (sum.get(c.productId) ?? 0) + c.score);
    const ranked = [...sum]
      .sort((a, b) => b[1] - a[1])
      .slice(0, K)
      .map(([p]) => p);
    return popularFill(exclude, ranked);
  };

  const results: Scores[] = [];
  for (const name of ['popularity', 'co-counts', 'cosine'] as const) {
    let asks = 0;
    let hits = 0;
    const shown = new Set<string>();
    let slots = 0;
    let planted = 0;
    let best = 0;
    for (const o of test) {
      const basket = [...new Set(o.productIds)];
      if (basket.length < 2) continue;
      for (const query of basket) {
        const top = topFor(name, query);
        const group = data.groupOf.get(query);
        for (const p of top) {
          shown.add(p);
          slots++;
          if (group !== undefined && data.groupOf.get(p) === group) planted++;
          if (data.bestSellers.has(p)) best++;
        }
        asks++;
        if (top.some((p) => p !== query && basket.includes(p))) hits++;
      }
    }
    let meAsks = 0;
    let meHits = 0;
    const meShown = new Set<string>();
    for (const o of test) {
      const bought = history.get(o.userId);
      if (!bought) continue;
      const targets = o.productIds.filter((p) => !bought.includes(p));
      if (targets.length === 0) continue;
      const top = topForHistory(name, bought);
      for (const p of top) meShown.add(p);
      meAsks++;
      if (top.some((p) => targets.includes(p))) meHits++;
    }
    results.push({
      model: name,
      boughtTogether: {
        asks,
        hitRate: hits / Math.max(1, asks),
        coverage: shown.size / catalog,
        planted: planted / Math.max(1, slots),
        bestSellers: best / Math.max(1, slots),
      },
      forYou: { asks: meAsks, hitRate: meHits / Math.max(1, meAsks), coverage: meShown.size / catalog },
    });
  }
  return results;
}

export function formatTable(scores: Scores[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines = [
    '| model | bought together: hit rate@10 | coverage | planted group in top 10 | best-sellers in top 10 | for you: hit rate@10 | coverage |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const s of scores)
    lines.push(
      `| ${s.model} | ${pct(s.boughtTogether.hitRate)} | ${pct(s.boughtTogether.coverage)} | ${pct(s.boughtTogether.planted)} | ${pct(s.boughtTogether.bestSellers)} | ${pct(s.forYou.hitRate)} | ${pct(s.forYou.coverage)} |`,
    );
  return lines.join('\n');
}
