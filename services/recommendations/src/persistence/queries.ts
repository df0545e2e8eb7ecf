// The read side. The answers read through the read cache (read-cache.ts), which loads with the queries
// at the end of this file; `together` and `popular` answer from the tables directly, filtering on
// `recommendable` (known, active, not deleted, not out of stock): the exact fallback when a cached list
// runs short of available products.
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
const toFacts = (r: Omit<Row, 'score'>): ProductFacts => ({
  productId: r.product_id,
  name: r.name,
  category: r.category,
  price: r.amount !== null && r.currency !== null ? { amount: r.amount, currency: r.currency.trim() } : null,
});
const toScored = (r: Row): Scored => ({ ...toFacts(r), score: Number(r.score) });

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

// --- What the read cache (read-cache.ts) loads: product facts, each product's strongest partners, the
// popular lists, and the change feed that tells it what to drop.

/** A product as the answers need it; `listed`: catalog knows it and has not deleted it. */
export interface ProductEntry {
  facts: ProductFacts;
  listed: boolean;
  recommendable: boolean;
  /** the transaction that last stamped the row (`changed_xid`); '' for a product without a row */
  changed: string;
}

interface FactsRow {
  product_id: string;
  name: string;
  category: string | null;
  amount: string | null;
  currency: string | null;
  known: boolean;
  deleted: boolean;
  recommendable: boolean;
  changed: string;
}

const factsColumns = (o: string) =>
  `${o}.product_id, ${o}.name, ${o}.category, ${o}.amount::text as amount, ${o}.currency, ${o}.known,
   ${o}.deleted, ${o}.recommendable, ${o}.changed_xid::text as changed`;

const toEntry = (r: FactsRow): ProductEntry => ({
  facts: toFacts(r),
  listed: r.known && !r.deleted,
  recommendable: r.recommendable,
  changed: r.changed,
});

/** An id without a row: nothing known about it (not listed, never recommended). */
export const absentEntry = (productId: string): ProductEntry => ({
  facts: { productId, name: '', category: null, price: null },
  listed: false,
  recommendable: false,
  changed: '',
});

/** The entries of these products (an id without a row has none in the answer). */
export async function productEntries(
  em: EntityManager,
  ids: readonly string[],
): Promise<Map<string, ProductEntry>> {
  if (ids.length === 0) return new Map();
  const rows = await em.execute<FactsRow[]>(
    `select ${factsColumns('o')} from ${table(em, 'product')} o where o.product_id = any(?::uuid[])`,
    [jsonIds(ids)],
  );
  return new Map(rows.map((r) => [r.product_id, toEntry(r)]));
}

/** A product's strongest partners, strongest first (ties by id), recommendable or not. */
export interface Neighbours {
  ids: string[];
  scores: number[];
  /** it may have more partners than kept */
  truncated: boolean;
}

/**
 * The `keep` strongest partners of each seed by cosine (co-purchases or co-views), with at least
 * `minSupport` shared orders (sessions): the partners' availability is NOT applied (it changes more
 * often than the statistics; the caller filters on it at the moment of the request). Also returns the
 * partners' entries. A seed without partners gets an empty list.
 */
export async function neighbours(
  em: EntityManager,
  signal: keyof typeof SIGNALS,
  seeds: readonly string[],
  keep: number,
  minSupport = 1,
): Promise<{ lists: Map<string, Neighbours>; entries: Map<string, ProductEntry> }> {
  const lists = new Map<string, Neighbours>(
    seeds.map((id) => [id, { ids: [], scores: [], truncated: false }]),
  );
  const entries = new Map<string, ProductEntry>();
  if (seeds.length === 0) return { lists, entries };
  const s = SIGNALS[signal];
  // Per seed, an index range of its pairs (primary key) and one product row per partner, by its key:
  // the inner LATERAL ... LIMIT 1 keeps the planner from hashing the whole product table for each seed
  // (it did: 3–4 ms a seed on 10,000 products, against about 3 µs a partner by key). The cosine is
  // weight / √(n(seed) · n(partner)), as domain/similarity.ts computes it.
  const rows = await em.execute<(FactsRow & { seed: string; score: number })[]>(
    `select a.product_id as seed, x.*
     from ${table(em, 'product')} a
     cross join lateral (
       select o.product_id, o.name, o.category, o.amount, o.currency, o.known, o.deleted, o.recommendable,
         o.changed, least(1.0::float8, c.weight::float8 / sqrt(a.${s.count}::float8 * o.n)) as score
       from ${table(em, s.pairs)} c
       cross join lateral (
         select ${factsColumns('p')}, p.${s.count}::float8 as n from ${table(em, 'product')} p
         where p.product_id = c.other_id and p.${s.count} > 0 limit 1
       ) o
       where c.product_id = a.product_id and c.${s.support} >= ?
       order by score desc, o.product_id limit ?
     ) x
     where a.product_id = any(?::uuid[]) and a.${s.count} > 0`,
    [minSupport, keep, jsonIds(seeds)],
  );
  for (const r of rows) {
    const list = lists.get(r.seed);
    if (!list) continue;
    list.ids.push(r.product_id);
    list.scores.push(Number(r.score));
    if (!entries.has(r.product_id)) entries.set(r.product_id, toEntry(r));
  }
  for (const list of lists.values()) list.truncated = list.ids.length >= keep;
  return { lists, entries };
}

/** The `keep` most bought lately that are recommendable (in one category, or over all), with weights. */
export async function popularTop(
  em: EntityManager,
  category: string | undefined,
  keep: number,
): Promise<{ ids: string[]; weights: number[]; entries: Map<string, ProductEntry> }> {
  const rows = await em.execute<(FactsRow & { weight: number })[]>(
    `select ${factsColumns('o')}, o.popular_weight::float8 as weight from ${table(em, 'product')} o
     where o.recommendable ${category === undefined ? '' : 'and o.category = ?'}
     order by o.popular_weight desc, o.product_id limit ?`,
    [...(category === undefined ? [] : [category]), keep],
  );
  return {
    ids: rows.map((r) => r.product_id),
    weights: rows.map((r) => Number(r.weight)),
    entries: new Map(rows.map((r) => [r.product_id, toEntry(r)])),
  };
}

/**
 * The change feed: the rows stamped by a transaction that had not finished when the last look's
 * snapshot was taken (`since`, that snapshot's xmin; null: the first look, nothing yet), and the
 * xmin of this look's snapshot, the next `since`. A transaction below a snapshot's xmin had finished
 * before it, so its rows were seen then; one at or above it is looked at again: nothing that commits
 * in between two looks is missed, whatever the order of commits.
 */
export async function changesSince(
  em: EntityManager,
  since: string | null,
): Promise<{ horizon: string; entries: ProductEntry[] }> {
  const rows = await em.execute<(Partial<FactsRow> & { horizon: string })[]>(
    `with h as (select pg_snapshot_xmin(pg_current_snapshot())::text as horizon)
     select h.horizon, ${factsColumns('o')}
     from h left join ${table(em, 'product')} o on o.changed_xid >= ?::xid8`,
    [since],
  );
  return {
    horizon: rows[0]?.horizon as string,
    entries: rows.filter((r) => r.product_id).map((r) => toEntry(r as FactsRow)),
  };
}

/**
 * A customer's history in one statement: the products bought (not returned, in confirmed orders)
 * latest first, and their latest views.
 */
export async function historyOf(
  em: EntityManager,
  userId: string,
  boughtLimit: number,
  viewsLimit: number,
): Promise<{ bought: string[]; viewed: string[] }> {
  const rows = await em.execute<{ kind: 'bought' | 'viewed'; product_id: string; at: Date }[]>(
    `(select 'bought' as kind, i.product_id, max(p.at) as at from ${table(em, 'purchase')} p
       join ${table(em, 'purchase_item')} i on i.order_id = p.order_id
       where p.user_id = ? and p.state = 'confirmed' and i.returned < i.quantity
       group by i.product_id order by max(p.at) desc, i.product_id limit ?)
     union all
     (select 'viewed', product_id, at from ${table(em, 'recent_view')} where user_id = ?
       order by at desc, product_id limit ?)`,
    [userId, boughtLimit, userId, viewsLimit],
  );
  // Latest first, ties by id (as each branch ordered them; a union does not promise to keep that).
  rows.sort(
    (x, y) => new Date(y.at).getTime() - new Date(x.at).getTime() || (x.product_id < y.product_id ? -1 : 1),
  );
  return {
    bought: rows.filter((r) => r.kind === 'bought').map((r) => r.product_id),
    viewed: rows.filter((r) => r.kind === 'viewed').map((r) => r.product_id),
  };
}
