// Loads a generated catalog into a catalog service's schema and measures search on it: quality
// against the judged queries (success@1, recall@10, MRR) and latency at the service (fastify inject:
// routing, validation, the use case, PostgreSQL, Redis and serialisation; no gateway, no network).
import type { EntityManager } from '@mercato/db';
import type { App } from '@mercato/kit';
import { type EvalSet, type JudgedQuery, MISSPELT_KINDS, type QueryKind } from './generate.ts';

/** Bulk load: multi-row inserts of 2,000 products, the vocabulary built once at the end. */
export async function loadEvalSet(em: EntityManager, set: EvalSet): Promise<void> {
  await em.execute(
    `insert into category (id, slug, name)
       select gen_random_uuid(), c.slug, c.name from jsonb_to_recordset(cast(? as jsonb)) as c(slug text, name text)
     on conflict (slug) do nothing`,
    [JSON.stringify(set.categories)],
  );
  // The per-row vocabulary trigger would upsert ~40 words per product: one rebuild instead.
  await em.execute('alter table product disable trigger product_search_terms');
  try {
    for (let i = 0; i < set.products.length; i += 2000) {
      const rows = set.products.slice(i, i + 2000).map((p, j) => ({
        id: p.id,
        name: p.name,
        description: p.description,
        category: p.category,
        price: p.price,
        active: p.active,
        attributes: { author: p.author, isbn: p.isbn, weightGrams: 250 + ((i + j) % 300) },
      }));
      await em.execute(
        `insert into product (id, name, description, category, price, currency, attributes, active)
           select x.id, x.name, x.description, x.category, x.price, 'EUR', x.attributes, x.active
             from jsonb_to_recordset(cast(? as jsonb))
               as x(id uuid, name text, description text, category text, price numeric, active boolean, attributes jsonb)`,
        [JSON.stringify(rows)],
      );
    }
  } finally {
    await em.execute('alter table product enable trigger product_search_terms');
  }
  await em.execute('select search_terms_rebuild()');
  for (let i = 0; i < set.products.length; i += 5000) {
    const slice = set.products.slice(i, i + 5000);
    await em.execute(
      `insert into product_availability (product_id, available, availability, version)
         select x.id, x.available, x.availability, 1
           from jsonb_to_recordset(cast(? as jsonb)) as x(id uuid, available integer, availability text)`,
      [
        JSON.stringify(
          slice.map((p) => ({ id: p.id, available: p.available, availability: p.availability })),
        ),
      ],
    );
    const sold = slice.filter((p) => p.sales > 0);
    if (sold.length > 0) {
      await em.execute(
        `insert into product_sales (product_id, units)
           select x.id, x.units from jsonb_to_recordset(cast(? as jsonb)) as x(id uuid, units bigint)`,
        [JSON.stringify(sold.map((p) => ({ id: p.id, units: p.sales })))],
      );
    }
  }
  for (const table of [
    'product',
    'search_term',
    'search_term_variant',
    'product_availability',
    'product_sales',
  ]) {
    await em.execute(`vacuum analyze ${table}`);
  }
}

export interface KindScore {
  queries: number;
  successAt1: number;
  recallAt10: number;
  mrr: number;
}

/** success@1: the first hit is relevant; recall@10: share of the relevant (at most 10) in the top 10; MRR within 10. */
export function score(
  queries: readonly JudgedQuery[],
  results: readonly string[][],
): Record<string, KindScore> {
  const acc = new Map<string, { n: number; s1: number; r10: number; rr: number }>();
  const bump = (key: string, s1: number, r10: number, rr: number) => {
    const a = acc.get(key) ?? { n: 0, s1: 0, r10: 0, rr: 0 };
    a.n++;
    a.s1 += s1;
    a.r10 += r10;
    a.rr += rr;
    acc.set(key, a);
  };
  queries.forEach((q, i) => {
    const top = (results[i] ?? []).slice(0, 10);
    const relevant = new Set(q.relevant);
    const s1 = top.length > 0 && relevant.has(top[0]!) ? 1 : 0;
    const r10 = top.filter((id) => relevant.has(id)).length / Math.min(relevant.size, 10);
    const first = top.findIndex((id) => relevant.has(id));
    const rr = first < 0 ? 0 : 1 / (first + 1);
    bump(q.kind, s1, r10, rr);
    if ((MISSPELT_KINDS as string[]).includes(q.kind)) bump('misspelt (all)', s1, r10, rr);
    bump('all', s1, r10, rr);
  });
  const out: Record<string, KindScore> = {};
  for (const [k, a] of acc) {
    out[k] = { queries: a.n, successAt1: a.s1 / a.n, recallAt10: a.r10 / a.n, mrr: a.rr / a.n };
  }
  return out;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function latency(ms: readonly number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s[s.length - 1]!,
  };
}

/** What a storefront's results page asks for: the first 10, with every facet. */
export const SEARCH_PARAMS = 'pageSize=10&facets=category,author,price,availability';

/** Runs every query once (in order), timing each at the service. */
export async function runQueries(
  app: App,
  queries: readonly JudgedQuery[],
): Promise<{
  results: string[][];
  ms: number[];
  didYouMean: (string | undefined)[];
  ignored: (string[] | undefined)[];
}> {
  const results: string[][] = [];
  const ms: number[] = [];
  const didYouMean: (string | undefined)[] = [];
  const ignored: (string[] | undefined)[] = [];
  for (const q of queries) {
    const started = process.hrtime.bigint();
    const res = await app.inject({ url: `/products/search?q=${encodeURIComponent(q.q)}&${SEARCH_PARAMS}` });
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (res.statusCode !== 200) throw new Error(`search "${q.q}": ${res.statusCode} ${res.body}`);
    const body = res.json() as { items: { id: string }[]; didYouMean?: { q: string }; ignored?: string[] };
    results.push(body.items.map((h) => h.id));
    didYouMean.push(body.didYouMean?.q);
    ignored.push(body.ignored);
  }
  return { results, ms, didYouMean, ignored };
}

export async function runSuggest(app: App, prefixes: readonly string[]): Promise<number[]> {
  const ms: number[] = [];
  for (const q of prefixes) {
    const started = process.hrtime.bigint();
    const res = await app.inject({ url: `/products/suggest?q=${encodeURIComponent(q)}` });
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (res.statusCode !== 200) throw new Error(`suggest "${q}": ${res.statusCode} ${res.body}`);
  }
  return ms;
}

export function formatScores(scores: Record<string, KindScore>): string {
  const order: (QueryKind | 'misspelt (all)' | 'all')[] = [
    'exact',
    'typo1',
    'typo2',
    'transposition',
    'description-typo',
    'misspelt (all)',
    'prefix',
    'author',
    'description',
    'multi',
    'all',
  ];
  const lines = ['| queries | n | success@1 | recall@10 | MRR |', '|---|---:|---:|---:|---:|'];
  for (const k of order) {
    const s = scores[k];
    if (!s) continue;
    lines.push(
      `| ${k} | ${s.queries} | ${s.successAt1.toFixed(3)} | ${s.recallAt10.toFixed(3)} | ${s.mrr.toFixed(3)} |`,
    );
  }
  return lines.join('\n');
}

export function formatLatency(name: string, l: Latency): string {
  const f = (x: number) => x.toFixed(1);
  return `| ${name} | ${l.n} | ${f(l.p50)} | ${f(l.p95)} | ${f(l.p99)} | ${f(l.max)} |`;
}
