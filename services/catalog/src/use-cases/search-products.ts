// Search and type-ahead: typo tolerance from the vocabulary, one statement for the page, its total
// and facets, "did you mean" when few products match, and the Redis cache per normalised query
// (invalidated by every product write, as list pages are).
import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import {
  allowedTypos,
  corrections,
  deletionVariants,
  escapeHtml,
  type FacetName,
  FEW_RESULTS,
  MIN_PREFIX_LETTERS,
  normalizeSearchText,
  parseFacets,
  queryWords,
  respelled,
  type SearchLanguage,
  type WordMatch,
} from '../domain/search.ts';
import {
  type Completion,
  completions,
  type Facets,
  type SearchFilters,
  type SearchHit,
  type SearchResult,
  searchPage,
  vocabularyHits,
} from '../persistence/search.ts';
import { type WithAvailability, withAvailability } from './availability.ts';
import type { CatalogDeps } from './common.ts';
import { assertPriceRange } from './list-products.ts';

export interface SearchRequest {
  q: string;
  filters: SearchFilters;
  page: number;
  pageSize: number;
  /** `facets=category,author,price,availability` as given */
  facets?: string;
  /** admins may see inactive products (active=false); customers never do */
  viewer: 'admin' | 'customer';
}

export interface SearchAnswer {
  items: WithAvailability<SearchHit>[];
  page: number;
  pageSize: number;
  total: number;
  /** the query as searched (normalised) */
  q: string;
  facets: Facets;
  /** the filters in force, as facet values: what the shopper selected */
  selected: SearchFilters;
  /** a close spelling that finds more, when this query finds few */
  didYouMean?: { q: string; total: number };
}

type CachedAnswer = Omit<SearchAnswer, 'items'> & { items: SearchHit[] };

const language = (deps: CatalogDeps): SearchLanguage => deps.searchLanguage ?? 'english';

export async function searchProducts(deps: CatalogDeps, request: SearchRequest): Promise<SearchAnswer> {
  assertPriceRange(request.filters);
  const q = normalizeSearchText(request.q);
  const words = queryWords(q);
  if (words.length === 0) throw problems.badRequest('q must contain a word to search for');
  const { facets, unknown } = parseFacets(request.facets);
  if (unknown.length > 0) {
    throw problems.badRequest(`unknown facet ${unknown.map((u) => `"${u}"`).join(', ')}`, {
      unknownFacets: unknown,
    });
  }
  const filters: SearchFilters = { ...request.filters };
  if (request.viewer !== 'admin') filters.active = true; // inactive products are never shown to customers
  const key = {
    q,
    filters,
    page: request.page,
    pageSize: request.pageSize,
    facets,
    language: language(deps),
  };
  const { value, key: cacheKey } = await deps.cache.getPage<CachedAnswer>('search', key);
  if (value) return withStock(deps, value);

  const em = deps.orm.em.fork();
  const vocabulary = await lookUpWords(em, words);
  const result = await runSearch(deps, em, q, words, vocabulary, {
    filters,
    facets,
    page: request.page,
    pageSize: request.pageSize,
  });
  const answer: CachedAnswer = {
    items: result.items,
    page: request.page,
    pageSize: request.pageSize,
    total: result.total,
    q,
    facets: result.facets,
    selected: selectedOf(filters),
  };
  if (result.total < FEW_RESULTS) {
    const better = respelled(words, (w) => vocabulary.get(w) ?? []);
    if (better !== undefined) {
      const betterWords = queryWords(better);
      const found = await runSearch(deps, em, better, betterWords, await lookUpWords(em, betterWords), {
        filters,
        facets: [],
        page: 1,
        pageSize: 1,
      });
      if (found.total > result.total) answer.didYouMean = { q: better, total: found.total };
    }
  }
  await deps.cache.setPage(cacheKey, answer);
  return withStock(deps, answer);
}

/** Availability joined after the cache, as on every product read. */
async function withStock(deps: CatalogDeps, answer: CachedAnswer): Promise<SearchAnswer> {
  return { ...answer, items: await withAvailability(deps, answer.items) };
}

/** The filters as the shopper chose them (`active` is the visibility rule, not a selection). */
function selectedOf(filters: SearchFilters): SearchFilters {
  const { active: _active, ...selected } = filters;
  return selected;
}

/** Every vocabulary word within "did you mean" reach of each query word (a superset of the search's). */
async function lookUpWords(
  em: EntityManager,
  words: readonly string[],
): Promise<Map<string, { term: string; docs: number }[]>> {
  const variantsOf = new Map<string, string[]>();
  for (const w of new Set(words)) variantsOf.set(w, deletionVariants(w, allowedTypos(w, 'loose')));
  const all = [...new Set([...variantsOf.values()].flat())];
  const hits = await vocabularyHits(em, all);
  const byWord = new Map<string, { term: string; docs: number }[]>();
  for (const w of variantsOf.keys()) {
    const max = allowedTypos(w, 'loose');
    byWord.set(
      w,
      hits.filter((h) => Math.abs([...h.term].length - [...w].length) <= max),
    );
  }
  return byWord;
}

function wordMatches(
  words: readonly string[],
  vocabulary: Map<string, { term: string; docs: number }[]>,
): WordMatch[] {
  return words.map((word, i) => ({
    word,
    prefix: i === words.length - 1 && [...word].length >= MIN_PREFIX_LETTERS && !/^\p{N}+$/u.test(word),
    corrections: corrections(word, vocabulary.get(word) ?? [], allowedTypos(word, 'strict')).map(
      (c) => c.term,
    ),
  }));
}

async function runSearch(
  deps: CatalogDeps,
  em: EntityManager,
  q: string,
  words: readonly string[],
  vocabulary: Map<string, { term: string; docs: number }[]>,
  args: { filters: SearchFilters; facets: FacetName[]; page: number; pageSize: number },
): Promise<SearchResult> {
  return searchPage(em, { language: language(deps), q, words: wordMatches(words, vocabulary), ...args });
}

// ---- type-ahead

export const MAX_SUGGESTIONS = 10;

export interface Suggestion extends Completion {
  /** the text, HTML-escaped, the typed words in <mark> */
  highlight: string;
}

export interface SuggestAnswer {
  q: string;
  suggestions: Suggestion[];
}

/**
 * Up to 10 completions of what the shopper is typing: titles, authors and categories whose words
 * match the complete words typed and, for the last one, begin with it. Those that begin with the
 * whole text come first; then titles, authors, categories (at most 3 authors and 2 categories).
 */
export async function suggestProducts(deps: CatalogDeps, request: { q: string }): Promise<SuggestAnswer> {
  const q = normalizeSearchText(request.q);
  const words = queryWords(q);
  if (words.length === 0) throw problems.badRequest('q must contain a word to complete');
  const { value, key } = await deps.cache.getPage<SuggestAnswer>('suggest', { q });
  if (value) return value;
  const tsquery = words.map((w, i) => `'${w}'${i === words.length - 1 ? ':*' : ''}`).join(' & ');
  const found = await completions(deps.orm.em.fork(), {
    tsquery,
    startsWith: q,
    limit: MAX_SUGGESTIONS,
  });
  const byKind = (kind: Completion['kind'], max: number) =>
    found.filter((c) => c.kind === kind).slice(0, max);
  const categories = byKind('category', 2);
  const authors = byKind('author', 3);
  const titles = byKind('title', MAX_SUGGESTIONS - categories.length - authors.length);
  const picked = [...titles, ...authors, ...categories];
  const starts = (c: Completion) => (c.text.toLowerCase().startsWith(q) ? 0 : 1);
  const ordered = picked
    .map((c, i) => ({ c, i }))
    .sort((a, b) => starts(a.c) - starts(b.c) || a.i - b.i)
    .map(({ c }) => ({ ...c, highlight: highlightTyped(c.text, words) }));
  const answer = { q, suggestions: ordered };
  await deps.cache.setPage(key, answer);
  return answer;
}

/** The text escaped, with the typed words (and the prefix of the last one) in <mark>. */
export function highlightTyped(text: string, words: readonly string[]): string {
  const last = words[words.length - 1] ?? '';
  const complete = new Set(words.slice(0, -1));
  return text
    .split(/([\p{L}\p{N}]+)/u)
    .map((part, i) => {
      if (i % 2 === 0) return escapeHtml(part);
      const lower = part.toLowerCase();
      if (complete.has(lower)) return `<mark>${escapeHtml(part)}</mark>`;
      if (last && lower.startsWith(last)) {
        const n = [...last].length;
        const chars = [...part];
        return `<mark>${escapeHtml(chars.slice(0, n).join(''))}</mark>${escapeHtml(chars.slice(n).join(''))}`;
      }
      return escapeHtml(part);
    })
    .join('');
}
