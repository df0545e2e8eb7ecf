// The answers. Bought-together first, then viewed-together, then what sells in the category lately.
// They read the read cache (persistence/read-cache.ts): facts, partner lists and popular lists held in
// this process and kept true by the change feed; availability is checked at the moment of the request.
import type { MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import {
  type Candidate,
  interleaveByCategory,
  mergeCandidates,
  type Reason,
  roundScore,
} from '../domain/ranking.ts';
import {
  historyOf,
  type ProductEntry,
  type ProductFacts,
  popular,
  type Scored,
  together as togetherInTables,
} from '../persistence/queries.ts';
import type { ReadCache } from '../persistence/read-cache.ts';
import type { ModelSettings } from './context.ts';

export interface Recommendation extends ProductFacts {
  score: number;
  reason: Reason;
}

export interface RecommendContext {
  orm: MikroORM;
  cache: ReadCache;
  settings: ModelSettings;
}

/** At most this many of a customer's purchases are excluded (and the latest seed "for you"). */
const HISTORY_LIMIT = 500;
const SEEDS = 20;
/** Kept per popular list: the widest ask is 5 × 50 (spread over categories), plus some to exclude. */
export const POPULAR_KEPT = 300;

const as = (reason: Reason) => (list: Scored[]) => list.map((s) => ({ ...s, reason }));
const byScore = (x: [string, number], y: [string, number]) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1);

function finish(lists: Array<Array<Scored & Candidate>>, limit: number, exclude: Set<string>) {
  const merged = mergeCandidates(lists, limit, exclude) as Array<Scored & Candidate>;
  return merged.map(
    (c): Recommendation => ({
      productId: c.productId,
      name: c.name,
      category: c.category,
      price: c.price,
      score: roundScore(c.score),
      reason: c.reason,
    }),
  );
}

/**
 * The entry of `ids[i]`, as the answer walks down a ranked list: from the cache, and the ones it does
 * not hold loaded `window` at a time (an answer stops after `limit` products: it looks up as many,
 * not the whole list).
 */
function factsFor(ctx: RecommendContext, ids: readonly string[], window: number) {
  const loaded = new Map<string, ProductEntry>();
  return async (i: number): Promise<ProductEntry | undefined> => {
    const id = ids[i] as string;
    const entry = ctx.cache.held(id) ?? loaded.get(id);
    if (entry) return entry;
    for (const [key, value] of await ctx.cache.entriesOf(ids.slice(i, i + window))) loaded.set(key, value);
    return loaded.get(id);
  };
}

/**
 * The seeds' partners by cosine, summed over the seeds and divided by their number (one seed: its own
 * list), strongest first: the first `limit` that are recommendable now and not excluded.
 */
async function together(
  ctx: RecommendContext,
  signal: 'bought' | 'viewed',
  seeds: readonly string[],
  exclude: ReadonlySet<string>,
  limit: number,
): Promise<Scored[]> {
  if (seeds.length === 0 || limit <= 0) return [];
  const lists = await ctx.cache.neighboursOf(signal, seeds);
  let ranked: Array<[string, number]>;
  if (seeds.length === 1) {
    const list = lists.get(seeds[0] as string);
    ranked = list ? list.ids.map((id, i) => [id, list.scores[i] as number]) : [];
  } else {
    const sum = new Map<string, number>();
    for (const seed of seeds) {
      const list = lists.get(seed);
      if (!list) continue;
      for (let i = 0; i < list.ids.length; i++) {
        const id = list.ids[i] as string;
        sum.set(id, (sum.get(id) ?? 0) + (list.scores[i] as number));
      }
    }
    ranked = [...sum].sort(byScore);
  }
  const candidates = ranked.filter(([id]) => !exclude.has(id));
  const out: Scored[] = [];
  const facts = factsFor(
    ctx,
    candidates.map(([id]) => id),
    2 * limit,
  );
  for (let i = 0; i < candidates.length && out.length < limit; i++) {
    const score = (candidates[i] as [string, number])[1];
    const entry = await facts(i);
    if (entry?.recommendable) out.push({ ...entry.facts, score: score / seeds.length });
  }
  // One product whose kept partners are mostly unavailable: the tables have the rest.
  const list = seeds.length === 1 ? lists.get(seeds[0] as string) : undefined;
  if (out.length < limit && list?.truncated) {
    const minSupport = signal === 'bought' ? ctx.settings.minCoPurchases : 1;
    return togetherInTables(ctx.orm.em.fork(), signal, seeds, [...exclude], limit, minSupport);
  }
  return out;
}

/** Popular lately (in one category, or over all), recommendable and not excluded: the first `limit`. */
async function popularNow(
  ctx: RecommendContext,
  category: string | undefined,
  exclude: ReadonlySet<string>,
  limit: number,
): Promise<Scored[]> {
  if (limit <= 0) return [];
  const list = await ctx.cache.popularOf(category);
  const out: Array<Scored> = [];
  const facts = factsFor(ctx, list.ids, 2 * limit);
  for (let i = 0; i < list.ids.length && out.length < limit; i++) {
    const entry = await facts(i);
    if (entry?.recommendable && !exclude.has(entry.facts.productId))
      out.push({ ...entry.facts, score: list.weights[i] as number });
  }
  if (out.length < limit && list.truncated) return popular(ctx.orm.em.fork(), category, [...exclude], limit);
  // The score is the share of the list's first one's popularity.
  const top = out[0]?.score ?? 0;
  return out.map((s) => ({ ...s, score: top > 0 ? s.score / top : 0 }));
}

/** "Bought together" with a product catalog knows (404 otherwise). */
export async function forProduct(
  ctx: RecommendContext,
  productId: string,
  limit: number,
): Promise<{ product: ProductFacts; items: Recommendation[] }> {
  await ctx.cache.fresh();
  const product = (await ctx.cache.entriesOf([productId])).get(productId);
  if (!product?.listed) throw problems.notFound(`Product ${productId} is unknown`);
  const exclude = new Set([productId]);
  const bought = await together(ctx, 'bought', [productId], exclude, limit);
  const lists = [as('bought_together')(bought)];
  let have = bought.length;
  if (have < limit) {
    const viewed = await together(ctx, 'viewed', [productId], exclude, limit);
    lists.push(as('viewed_together')(viewed));
    have += viewed.length;
  }
  // Fill up with the category's best sellers (more than needed: some may already be listed).
  const category = product.facts.category;
  if (have < limit && category !== null)
    lists.push(as('popular_in_category')(await popularNow(ctx, category, exclude, 2 * limit)));
  return { product: product.facts, items: finish(lists, limit, exclude) };
}

/** Popular lately: in one category, or spread over every category (the best of each first). */
export async function popularAnswer(
  ctx: RecommendContext,
  category: string | undefined,
  limit: number,
): Promise<Recommendation[]> {
  await ctx.cache.fresh();
  const none = new Set<string>();
  const ranked =
    category === undefined
      ? interleaveByCategory(await popularNow(ctx, undefined, none, 5 * limit))
      : await popularNow(ctx, category, none, limit);
  return finish([as('popular_in_category')(ranked)], limit, none);
}

/** "For you": from the customer's purchases and latest views, never what they bought. */
export async function forCustomer(
  ctx: RecommendContext,
  userId: string,
  limit: number,
): Promise<{ personalised: boolean; items: Recommendation[] }> {
  await ctx.cache.fresh();
  // The one statement of this answer: the customer's own history is read as it is now.
  const { bought, viewed } = await historyOf(
    ctx.orm.em.fork(),
    userId,
    HISTORY_LIMIT,
    ctx.settings.recentViewsKept,
  );
  const exclude = new Set(bought);
  const seeds = bought.slice(0, SEEDS);
  const lists: Array<Array<Scored & Candidate>> = [];
  if (bought.length > 0)
    lists.push(as('bought_together')(await together(ctx, 'bought', seeds, exclude, limit)));
  if (viewed.length > 0)
    lists.push(
      as('viewed_together')(await together(ctx, 'viewed', viewed, new Set([...bought, ...viewed]), limit)),
    );
  const personal = lists.reduce((n, l) => n + l.length, 0);
  if (personal < limit) {
    // The categories the customer bought or looked at first, then everything, spread over categories.
    const mine = [...viewed, ...seeds];
    const entries = await ctx.cache.entriesOf(mine);
    const categories = [
      ...new Set(
        mine.map((id) => entries.get(id)?.facts.category).filter((c): c is string => typeof c === 'string'),
      ),
    ];
    for (const category of categories.slice(0, 3))
      lists.push(as('popular_in_category')(await popularNow(ctx, category, exclude, limit)));
    const top = await popularNow(ctx, undefined, exclude, 5 * limit);
    lists.push(as('popular_in_category')(interleaveByCategory(top)));
  }
  return { personalised: personal > 0, items: finish(lists, limit, exclude) };
}
