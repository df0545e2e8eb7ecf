// The SQL of search and type-ahead: the vocabulary lookup of the typo tolerance, one statement for a
// result page with its total and facets, the type-ahead's completions, and the language setting.
import type { Availability } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import {
  AUTHOR_FACET_SIZE,
  type FacetName,
  MARK_END,
  MARK_START,
  markedSnippet,
  PRICE_BANDS,
  type PriceBandId,
  type SearchLanguage,
  tsQueryText,
  type WordMatch,
} from '../domain/search.ts';
import type { ProductFilters } from './products.ts';
import { type ProductView, rowView } from './views.ts';

export interface SearchFilters extends ProductFilters {
  author?: string;
  availability?: Availability;
  priceBand?: PriceBandId;
}

export interface FacetValue {
  value: string;
  /** the category's name; a price band's bounds */
  label?: string;
  count: number;
  selected: boolean;
}

export type Facets = Partial<Record<FacetName, FacetValue[]>>;

export interface Highlight {
  name: string;
  author?: string;
  description: string;
}

export type SearchHit = ProductView & { score: number; highlight: Highlight };

export interface SearchResult {
  items: SearchHit[];
  total: number;
  facets: Facets;
}

/**
 * Vocabulary words sharing a deletion variant with the query words (a superset of those within the
 * allowed typos; the caller measures the distance), with how many products hold each; and whether
 * any vocabulary word begins with `completing` (the last word, while it is being typed).
 */
export async function vocabularyHits(
  em: EntityManager,
  variants: readonly string[],
  completing?: string,
): Promise<{ hits: { term: string; docs: number }[]; completes: boolean }> {
  if (variants.length === 0 && completing === undefined) return { hits: [], completes: false };
  const like = completing === undefined ? null : `${completing.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await em.execute<{ term: string; docs: number; completion: boolean }[]>(
    `select t.term, t.docs, false as completion from search_term t
      where t.term in (select v.term from search_term_variant v
                        where v.variant = any(array(select jsonb_array_elements_text(cast(? as jsonb)))))
        and t.docs > 0
     union all
     (select t.term, t.docs, true from search_term t
       where (t.term collate "C") like cast(? as text) and t.docs > 0 limit 1)`,
    [JSON.stringify(variants), like],
  );
  return {
    hits: rows.filter((r) => !r.completion).map((r) => ({ term: r.term, docs: r.docs })),
    completes: rows.some((r) => r.completion),
  };
}

const AVAILABILITY_RANK = `case coalesce(a.availability, 'out_of_stock') when 'in_stock' then 2 when 'low' then 1 else 0 end`;

const BAND_CASE = `case ${PRICE_BANDS.map((b) =>
  b.to === undefined ? `else '${b.id}'` : `when m.price < ${b.to} then '${b.id}'`,
).join(' ')} end`;

/**
 * One statement: the matches (query AND filters), their count, the requested facets over them and
 * one ranked page with its highlights. Ranked by: how many words match as typed (the last one may
 * be a prefix), so a correction never outranks an exact match; then where the words are (the title itself — every title word matched, corrected or
 * completed, and no other —, all in the title, all in the author, title
 * and author, the phrase anywhere, anywhere); then whole words before a completed prefix; then
 * availability, sales, text rank, id.
 */
export async function searchPage(
  em: EntityManager,
  args: {
    language: SearchLanguage;
    q: string;
    words: WordMatch[];
    filters: SearchFilters;
    facets: readonly FacetName[];
    page: number;
    pageSize: number;
  },
): Promise<SearchResult> {
  const { words } = args;
  const params: unknown[] = [
    args.language,
    tsQueryText(words),
    tsQueryText(words, { typos: false, prefix: false }),
    // Each word as typed (the last also as a prefix), stop words left out: how many a product
    // matches without a correction ranks it.
    JSON.stringify(words.map((w) => tsQueryText([w], { typos: false }))),
    tsQueryText(words, { weights: 'A' }),
    tsQueryText(words, { weights: 'B' }),
    tsQueryText(words, { weights: 'AB' }),
    args.q,
    args.q,
    words.length > 1,
    // The match condition again, as values the planner sees (s.tsq is opaque to it): it then knows
    // a common word matches thousands and joins stock and sales by hash, not one probe per match.
    args.language,
    tsQueryText(words),
  ];
  const filters = filterConditions(args.filters, params);
  const offset = (args.page - 1) * args.pageSize;
  params.push(offset + args.pageSize - 1, args.pageSize, offset);
  // How many words a product matches as typed: one test per word (s.as_typed[i] is null past the
  // words that are not stop words, and null tests count 0).
  const asTyped = words.map((_, i) => `coalesce((p.search_vector @@ s.as_typed[${i + 1}])::int, 0)`);
  // After limit/offset: the facets' parameters come later in the statement's text.
  const facetSql = args.facets.map((f) => `${FACET_SQL[f](args.filters, params)} as facet_${f}`);
  const highlightOptions = `'StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true'`;
  const snippetOptions = `'StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'`;
  const clean = (sql: string) => `translate(${sql}, '${MARK_START}${MARK_END}', '')`;
  const [row] = await em.execute(
    `with s as (
        select c.cfg, to_tsquery(c.cfg, ?) as tsq, to_tsquery(c.cfg, ?) as exact,
               array(select wq from (select to_tsquery(c.cfg, x) as wq
                                       from jsonb_array_elements_text(cast(? as jsonb)) x) w
                      where numnode(wq) > 0) as as_typed,
               to_tsquery(c.cfg, ?) as title,
               to_tsquery(c.cfg, ?) as author, to_tsquery(c.cfg, ?) as title_author,
               phraseto_tsquery(c.cfg, ?) as phrase,
               strip(to_tsvector(c.cfg, ?)) as qkey,
               cast(? as boolean) as multi
          from (select cast(? as regconfig) as cfg) c
      ),
      m as materialized (
        select p.id, p.category, p.price, p.attributes ->> 'author' as author,
               coalesce(a.availability, 'out_of_stock') as availability,
               ${AVAILABILITY_RANK} as availability_rank,
               coalesce(ps.units, 0) as units,
               (p.search_vector @@ s.exact) as exact,
               10 * (${asTyped.join(' + ') || '0'})
                  + (case when p.search_vector @@ s.title and length(p.name_key) = length(s.qkey) then 6
                          when p.search_vector @@ s.title then 5
                          when p.search_vector @@ s.author then 4
                          when p.search_vector @@ s.title_author then 3
                          when s.multi and p.search_vector @@ s.phrase then 2
                          else 1 end) as relevance
          from product p cross join s
          left join product_availability a on a.product_id = p.id
          left join product_sales ps on ps.product_id = p.id
         where p.search_vector @@ to_tsquery(cast(? as regconfig), ?) and ${filters}
      ),
      -- The text rank only breaks the last ties: computed for the page's candidates (the page and
      -- every match tied with its last one), not for thousands of matches of a common word. The
      -- page's last key comes from a bounded sort; the candidates are the matches not below it.
      edge as (
        select relevance, exact, availability_rank, units from m
         order by relevance desc, exact desc, availability_rank desc, units desc limit 1 offset ?
      ),
      top as (
        select * from m
         where not exists (select 1 from edge)
            or (m.relevance, m.exact, m.availability_rank, m.units)
               >= (select e.relevance, e.exact, e.availability_rank, e.units from edge e)
      ),
      hits as (
        select top.*, (select ts_rank(p.search_vector, s.tsq) from product p where p.id = top.id) as rank
          from top cross join s
         order by top.relevance desc, top.exact desc, top.availability_rank desc, top.units desc, rank desc, top.id
         limit ? offset ?
      )
      select (select count(*)::int from m) as total,
             ${facetSql.length ? `${facetSql.join(', ')},` : ''}
             (select coalesce(json_agg(h order by h.relevance desc, h.exact desc, h.availability_rank desc, h.units desc, h.rank desc, h.id), '[]')
                from (select p.id, p.name, p.description, p.category, p.price::text as price, p.currency,
                             p.attributes, p.active, p.created_at, p.updated_at, p.version,
                             hits.relevance, hits.exact, hits.availability_rank, hits.units, hits.rank,
                             ts_headline(s.cfg, ${clean('p.name')}, s.tsq, ${highlightOptions}) as hl_name,
                             ts_headline(s.cfg, ${clean(`coalesce(p.attributes ->> 'author', '')`)}, s.tsq, ${highlightOptions}) as hl_author,
                             ts_headline(s.cfg, ${clean('p.description')}, s.tsq, ${snippetOptions}) as hl_description
                        from hits join product p on p.id = hits.id cross join s) h) as items`,
    reorder(params),
  );
  const items = (row.items as Record<string, unknown>[]).map((r) => {
    const view = rowView(r);
    const highlight: Highlight = {
      name: markedSnippet(String(r.hl_name)),
      description: markedSnippet(String(r.hl_description)),
    };
    if (typeof view.attributes.author === 'string') highlight.author = markedSnippet(String(r.hl_author));
    const relevance = Number(r.relevance) + (r.exact ? 0.5 : 0) + Math.min(0.4999, Number(r.rank));
    return { ...view, score: Math.round(relevance * 1e4) / 1e4, highlight };
  });
  const facets: Facets = {};
  for (const f of args.facets) facets[f] = (row[`facet_${f}`] as FacetValue[] | null) ?? [];
  return { items, total: Number(row.total), facets };
}

/** The `s` CTE takes the regconfig last in its text but it is pushed first: move it into place. */
function reorder(params: unknown[]): unknown[] {
  const [language, ...rest] = params;
  return [...rest.slice(0, 9), language, ...rest.slice(9)];
}

type FacetSql = (filters: SearchFilters, params: unknown[]) => string;

const selectedFlag = (value: string | undefined, params: unknown[], column: string) => {
  if (value === undefined) return 'false';
  params.push(value);
  return `${column} = ?`;
};

const FACET_SQL: Record<FacetName, FacetSql> = {
  category: (f, params) =>
    `(select coalesce(json_agg(json_build_object('value', x.category, 'label', coalesce(c.name, x.category),
        'count', x.n, 'selected', ${selectedFlag(f.category, params, 'x.category')}) order by x.n desc, x.category), '[]')
        from (select category, count(*)::int as n from m group by category) x
        left join category c on c.slug = x.category)`,
  author: (f, params) => {
    const selected = selectedFlag(f.author, params, 'x.author');
    params.push(AUTHOR_FACET_SIZE);
    return `(select coalesce(json_agg(json_build_object('value', x.author, 'count', x.n, 'selected', ${selected})
        order by x.n desc, x.author), '[]')
        from (select author, count(*)::int as n from m where author is not null group by author
              order by n desc, author limit ?) x)`;
  },
  price: (f, params) =>
    `(select coalesce(json_agg(json_build_object('value', x.band, 'label', x.band, 'count', x.n,
        'selected', ${selectedFlag(f.priceBand, params, 'x.band')}) order by x.ord), '[]')
        from (select ${BAND_CASE} as band, min(m.price) as ord, count(*)::int as n from m group by 1) x)`,
  availability: (f, params) =>
    `(select coalesce(json_agg(json_build_object('value', x.availability, 'count', x.n,
        'selected', ${selectedFlag(f.availability, params, 'x.availability')}) order by x.r desc), '[]')
        from (select availability, max(availability_rank) as r, count(*)::int as n from m group by availability) x)`,
};

/** SQL conditions for the filters, pushing their values to `params` (values never enter the SQL). */
function filterConditions(filters: SearchFilters, params: unknown[]): string {
  const conditions = ['true'];
  const add = (sql: string, value: unknown) => {
    conditions.push(sql);
    params.push(value);
  };
  if (filters.category !== undefined) add('p.category = ?', filters.category);
  if (filters.minPrice !== undefined) add('p.price >= cast(? as numeric)', filters.minPrice);
  if (filters.maxPrice !== undefined) add('p.price <= cast(? as numeric)', filters.maxPrice);
  if (filters.active !== undefined) add('p.active = ?', filters.active);
  if (filters.author !== undefined) add(`(p.attributes ->> 'author') = ?`, filters.author);
  if (filters.availability !== undefined) {
    add(`coalesce(a.availability, 'out_of_stock') = ?`, filters.availability);
  }
  if (filters.priceBand !== undefined) {
    const band = PRICE_BANDS.find((b) => b.id === filters.priceBand)!;
    add('p.price >= cast(? as numeric)', band.from);
    if (band.to !== undefined) add('p.price < cast(? as numeric)', band.to);
  }
  return conditions.join(' and ');
}

// ---- type-ahead

export interface Completion {
  kind: 'title' | 'author' | 'category';
  text: string;
  /** the product (titles) */
  productId?: string;
  /** the category's slug (categories) */
  slug?: string;
}

/**
 * How many word-prefix matches of each kind are ranked: a very common prefix matches thousands, and
 * a keystroke must stay cheap. Titles that begin with the typed text are looked up separately (an
 * index range), so they are never lost to this cap.
 */
const SUGGEST_SCAN_LIMIT = 200;

/**
 * Titles and authors of active products, and categories with active products, whose words match
 * `tsquery` ('simple' configuration: complete words, and the last one as a prefix). Each kind comes
 * back best first: the text starting with the query, then available, best selling, shortest.
 */
export async function completions(
  em: EntityManager,
  args: { tsquery: string; startsWith: string; limit: number },
): Promise<Completion[]> {
  const like = `${args.startsWith.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await em.execute<{ kind: Completion['kind']; text: string; id: string | null }[]>(
    `with q as (select to_tsquery('simple'::regconfig, ?) as q, cast(? as text) as prefix),
     starts as materialized (
       select p.id, p.name from product p
        where p.active and lower(p.name) collate "C" like ? order by lower(p.name) collate "C" limit 50
     ),
     -- Titles with a word that begins so: only when too few titles begin with the text (a common
     -- short prefix makes the word index do most work, and begins-with titles rank first anyway).
     t as (
       select * from starts
       union
       (select p.id, p.name from product p, q
         where (select count(*) from starts) < ? and p.active
           and to_tsvector('simple'::regconfig, p.name) @@ q.q limit ${SUGGEST_SCAN_LIMIT})
     )
     (select 'title' as kind, t.name as text, t.id::text as id from t, q
       order by lower(t.name) like q.prefix desc,
         (select ${AVAILABILITY_RANK} from product_availability a where a.product_id = t.id) desc nulls last,
         (select ps.units from product_sales ps where ps.product_id = t.id) desc nulls last,
         length(t.name), t.name
       limit ?)
     union all
     (select 'author', x.author, null from (
        select p.author, count(*) as n from (
          select p.attributes ->> 'author' as author from product p, q
           where p.active and to_tsvector('simple'::regconfig, coalesce(p.attributes ->> 'author', '')) @@ q.q
           limit ${SUGGEST_SCAN_LIMIT}) p group by 1) x, q
       order by lower(x.author) like q.prefix desc, x.n desc, x.author limit ?)
     union all
     (select 'category', c.name, c.slug from category c, q
       where to_tsvector('simple'::regconfig, c.name || ' ' || replace(c.slug, '-', ' ')) @@ q.q
         and exists (select 1 from product p where p.category = c.slug and p.active)
       order by lower(c.name) like q.prefix desc, c.name limit ?)`,
    [args.tsquery, like, like, args.limit, args.limit, args.limit, args.limit],
  );
  return rows.map((r) => ({
    kind: r.kind,
    text: r.text,
    ...(r.kind === 'title' && r.id ? { productId: r.id } : {}),
    ...(r.kind === 'category' && r.id ? { slug: r.id } : {}),
  }));
}

// ---- language

/**
 * Makes `language` the catalog's: new and changed products take it, and products vectorised in
 * another language are vectorised again (a no-op unless the setting changed). Returns how many.
 */
export async function applySearchLanguage(em: EntityManager, language: SearchLanguage): Promise<number> {
  await em.execute(
    `update search_settings set config = cast(? as regconfig) where config <> cast(? as regconfig)`,
    [language, language],
  );
  const rows = await em.execute<{ id: string }[]>(
    `update product set search_config = cast(? as regconfig) where search_config <> cast(? as regconfig) returning id`,
    [language, language],
  );
  return rows.length;
}

// ---- popularity

/** Adds units sold per product (product_sales), in product order so concurrent orders lock alike. */
export async function addSales(em: EntityManager, units: ReadonlyMap<string, number>): Promise<void> {
  if (units.size === 0) return;
  const rows = [...units].sort(([a], [b]) => (a < b ? -1 : 1)).map(([productId, n]) => ({ productId, n }));
  await em.execute(
    `insert into product_sales (product_id, units, updated_at)
       select s."productId", s.n, now() from jsonb_to_recordset(cast(? as jsonb)) as s("productId" uuid, n bigint)
       order by s."productId"
     on conflict (product_id) do update
       set units = product_sales.units + excluded.units, updated_at = excluded.updated_at`,
    [JSON.stringify(rows)],
  );
}
