// The read side: every query filters on `recommendable` (known, active, not deleted, not out of stock)
// at the moment of the request, so a product that goes inactive or out of stock leaves every answer as
// soon as its event is handled (no cache to invalidate).
import type { EntityManager } from '@mercato/db';
import { table } from './sql.ts';
import { jsonIds } from './statistics.ts';

export interface ProductFacts {
  productId: string;
  name: string;
  category: string | null;
  price: { amount: string; currency: string } | null;
}

export interface Scored extends ProductFacts {
  score: number;
}

interface Row {
  product_id: string;
  name: string;
  category: string | null;
  amount: string | null;
  currency: string | null;
  score: number;
}

const FACTS = 'o.product_id, o.name, o.category, o.amount::text as amount, o.currency';
const toScored = (r: Row): Scored => ({
  productId: r.product_id,
  name: r.name,
  category: r.category,
  price: r.amount !== null && r.currency !== null ? { amount: r.amount, currency: r.currency.trim() } : null,
  score: Number(r.score),
});

/** The product as catalog described it; undefined when catalog never did, or deleted it. */
export async function productFacts(
  em: EntityManager,
  productId: string,
): Promise<(ProductFacts & { recommendable: boolean }) | undefined> {
  const [r] = await em.execute<(Row & { recommendable: boolean })[]>(
    `select ${FACTS}, 0 as score, o.recommendable from ${table(em, 'product')} o
     where o.product_id = ? and o.known and not o.deleted`,
    [productId],
  );
  return r && { ...toScored(r), recommendable: r.recommendable };
}

const SIGNALS = {
  bought: { pairs: 'co_purchase', count: 'bought_weight', support: 'orders' },
  viewed: { pairs: 'co_view', count: 'viewed_weight', support: 'sessions' },
} as const;

/**
 * Products that go with the seeds, by cosine of co-purchases (or co-views), averaged over the seeds:
 * strongest first. Excluded ids and products with fewer than `minSupport` shared orders are left out.
 */
export async function together(
  em: EntityManager,
  signal: keyof typeof SIGNALS,
  seeds: readonly string[],
  exclude: readonly string[],
  limit: number,
  minSupport = 1,
): Promise<Scored[]> {
  if (seeds.length === 0 || limit <= 0) return [];
  const s = SIGNALS[signal];
  // The seeds' own counts once, the pairs summed per candidate, then each candidate's facts once.
  const rows = await em.execute<Row[]>(
    `with a as (
       select product_id, ${s.count}::float8 as n from ${table(em, 'product')}
       where product_id = any(?::uuid[]) and ${s.count} > 0
     ), x as (
       select c.other_id, sum(c.weight::float8 / sqrt(a.n)) as s
       from ${table(em, s.pairs)} c join a on a.product_id = c.product_id
       where c.${s.support} >= ? and c.other_id <> all(?::uuid[])
       group by c.other_id
     )
     select ${FACTS}, x.s / sqrt(o.${s.count}::float8) / ? as score
     from x join ${table(em, 'product')} o on o.product_id = x.other_id
     where o.recommendable and o.${s.count} > 0
     order by score desc, o.product_id limit ?`,
    [jsonIds(seeds), minSupport, jsonIds(exclude), seeds.length, limit],
  );
  return rows.map(toScored);
}

/**
 * The most bought lately (popularity decayed with its short half-life), in one category or (null)
 * over all; the score is the share of the first one's popularity.
 */
export async function popular(
  em: EntityManager,
  category: string | null | undefined,
  exclude: readonly string[],
  limit: number,
): Promise<Scored[]> {
  if (limit <= 0) return [];
  const where =
    category === undefined ? '' : category === null ? 'and o.category is null' : 'and o.category = ?';
  const rows = await em.execute<Row[]>(
    `select ${FACTS}, o.popular_weight::float8 as score from ${table(em, 'product')} o
     where o.recommendable ${where} and o.product_id <> all(?::uuid[])
     order by o.popular_weight desc, o.product_id limit ?`,
    [...(typeof category === 'string' ? [category] : []), jsonIds(exclude), limit],
  );
  const top = rows[0] ? Number(rows[0].score) : 0;
  return rows.map((r) => ({ ...toScored(r), score: top > 0 ? Number(r.score) / top : 0 }));
}

/** A customer's bought products (not returned), latest first. */
export async function boughtBy(em: EntityManager, userId: string, limit: number): Promise<string[]> {
  const rows = await em.execute<{ product_id: string }[]>(
    `select i.product_id from ${table(em, 'purchase')} p
     join ${table(em, 'purchase_item')} i on i.order_id = p.order_id
     where p.user_id = ? and p.state = 'confirmed' and i.returned < i.quantity
     group by i.product_id order by max(p.at) desc, i.product_id limit ?`,
    [userId, limit],
  );
  return rows.map((r) => r.product_id);
}

/** The categories of these products, in the order given (first appearance). */
export async function categoriesOf(em: EntityManager, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await em.execute<{ product_id: string; category: string | null }[]>(
    `select product_id, category from ${table(em, 'product')} where product_id = any(?::uuid[]) and category is not null`,
    [jsonIds(ids)],
  );
  const of = new Map(rows.map((r) => [r.product_id, r.category as string]));
  return [...new Set(ids.map((id) => of.get(id)).filter((c): c is string => c !== undefined))];
}
