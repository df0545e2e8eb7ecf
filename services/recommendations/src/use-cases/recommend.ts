// The two answers. Bought-together first, then viewed-together, then what sells in the category lately.
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
  boughtBy,
  categoriesOf,
  type ProductFacts,
  popular,
  productFacts,
  type Scored,
  together,
} from '../persistence/queries.ts';
import { recentViews } from '../persistence/views.ts';
import type { ModelSettings } from './context.ts';

export interface Recommendation extends ProductFacts {
  score: number;
  reason: Reason;
}

/** At most this many of a customer's purchases are excluded (and the latest seed "for you"). */
const HISTORY_LIMIT = 500;
const SEEDS = 20;

const as = (reason: Reason) => (list: Scored[]) => list.map((s) => ({ ...s, reason }));

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

/** "Bought together" with a product catalog knows (404 otherwise). */
export async function forProduct(
  orm: MikroORM,
  settings: ModelSettings,
  productId: string,
  limit: number,
): Promise<{ product: ProductFacts; items: Recommendation[] }> {
  const em = orm.em.fork();
  const facts = await productFacts(em, productId);
  if (!facts) throw problems.notFound(`Product ${productId} is unknown`);
  const exclude = [productId];
  const bought = await together(em, 'bought', [productId], exclude, limit, settings.minCoPurchases);
  const lists = [as('bought_together')(bought)];
  let have = bought.length;
  if (have < limit) {
    const viewed = await together(em, 'viewed', [productId], exclude, limit);
    lists.push(as('viewed_together')(viewed));
    have += viewed.length;
  }
  // Fill up with the category's best sellers (more than needed: some may already be listed).
  if (have < limit && facts.category !== null)
    lists.push(as('popular_in_category')(await popular(em, facts.category, exclude, 2 * limit)));
  const { recommendable: _, ...product } = facts;
  return { product, items: finish(lists, limit, new Set(exclude)) };
}

/** Popular lately: in one category, or spread over every category (the best of each first). */
export async function popularNow(
  orm: MikroORM,
  category: string | undefined,
  limit: number,
): Promise<Recommendation[]> {
  const em = orm.em.fork();
  const ranked =
    category === undefined
      ? interleaveByCategory(await popular(em, undefined, [], 5 * limit))
      : await popular(em, category, [], limit);
  return finish([as('popular_in_category')(ranked)], limit, new Set());
}

/** "For you": from the customer's purchases and latest views, never what they bought. */
export async function forCustomer(
  orm: MikroORM,
  settings: ModelSettings,
  userId: string,
  limit: number,
): Promise<{ personalised: boolean; items: Recommendation[] }> {
  const em = orm.em.fork();
  const bought = await boughtBy(em, userId, HISTORY_LIMIT);
  const viewed = (await recentViews(em, userId, settings.recentViewsKept)).map((v) => v.productId);
  const exclude = new Set(bought);
  const lists: Array<Array<Scored & Candidate>> = [];
  if (bought.length > 0)
    lists.push(
      as('bought_together')(
        await together(em, 'bought', bought.slice(0, SEEDS), bought, limit, settings.minCoPurchases),
      ),
    );
  if (viewed.length > 0)
    lists.push(as('viewed_together')(await together(em, 'viewed', viewed, [...bought, ...viewed], limit)));
  const personal = lists.reduce((n, l) => n + l.length, 0);
  if (personal < limit) {
    // The categories the customer bought or looked at first, then everything, spread over categories.
    for (const category of (await categoriesOf(em, [...viewed, ...bought.slice(0, SEEDS)])).slice(0, 3))
      lists.push(as('popular_in_category')(await popular(em, category, bought, limit)));
    const top = await popular(em, undefined, bought, 5 * limit);
    lists.push(as('popular_in_category')(interleaveByCategory(top)));
  }
  return { personalised: personal > 0, items: finish(lists, limit, exclude) };
}
