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
  maxTypoBudget,
  normalizeSearchText,
  parseFacets,
  queryWords,
  respelled,
  type SearchLanguage,
  typoBudget,
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
  /** query words no product holds, even corrected, left out because they emptied the result */
  ignored?: string[];
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
  const pageArgs = { filters, facets, page: request.page, pageSize: request.pageSize };
  let result = await runSearch(deps, em, q, words, vocabulary, pageArgs);
  // A word that matches nothing — not in the vocabulary, no correction, completing no word — does
  // not empty the result (as in Meilisearch and Typesense): the other words search, and the answer
  // names the words left out. Only an empty result is searched again: a word that stemming alone
  // matches ("libraries" for "library") is not in the vocabulary either.
  const unmatched = result.total === 0 ? unmatchedWords(words, vocabulary) : [];
  let ignored: string[] | undefined;
  if (unmatched.length > 0 && unmatched.length < new Set(words).size) {
    const rest = words.filter((w) => !unmatched.includes(w));
    const found = await runSearch(deps, em, rest.join(' '), words, vocabulary, pageArgs, unmatched);
    if (found.total > 0) {
      result = found;
      ignored = unmatched;
    }
  }
  const answer: CachedAnswer = {
    items: result.items,
    page: request.page,
    pageSize: request.pageSize,
    total: result.total,
    q,
    facets: result.facets,
    selected: selectedOf(filters),
    ...(ignored ? { ignored } : {}),
  };
  if (result.total < FEW_RESULTS) {
    const better = respelled(words, (w) => vocabulary.get(w)?.hits ?? []);
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

/** What the vocabulary says about one query word. */
interface WordLookup {
  /** vocabulary words within "did you mean" reach or the typo budget (a superset of both) */
  hits: { term: string; docs: number }[];
  /** the catalog holds the word as typed, or (the last word, being typed) words that begin with it */
  known: boolean;
}

type Vocabulary = Map<string, WordLookup>;

/** The last word is completed while typing: from MIN_PREFIX_LETTERS letters, numbers never. */
const completes = (words: readonly string[], i: number) =>
  i === words.length - 1 && [...words[i]!].length >= MIN_PREFIX_LETTERS && !/^\p{N}+$/u.test(words[i]!);

/** Each query word's vocabulary neighbours (one statement for all words) and whether it is known. */
async function lookUpWords(em: EntityManager, words: readonly string[]): Promise<Vocabulary> {
  // Unknown words may stand for longer ones (typoBudget): the widest reach is looked up, and whether
  // the word is known is decided from the hits (the word is its own variant).
  const reach = (w: string) => Math.max(allowedTypos(w, 'loose'), maxTypoBudget(w, false));
  const variantsOf = new Map<string, string[]>();
  for (const w of new Set(words)) variantsOf.set(w, deletionVariants(w, allowedTypos(w, 'loose')));
  const last = words.length - 1;
  const { hits, completes: lastCompletes } = await vocabularyHits(
    em,
    [...new Set([...variantsOf.values()].flat())],
    completes(words, last) ? words[last] : undefined,
  );
  const byWord: Vocabulary = new Map();
  for (const w of variantsOf.keys()) {
    const near = hits.filter((h) => Math.abs([...h.term].length - [...w].length) <= reach(w));
    const holds = near.some((h) => h.term === w);
    byWord.set(w, {
      hits: near,
      known: holds || (w === words[last] && completes(words, last) && lastCompletes),
    });
  }
  return byWord;
}

/** The words with their corrections; the last one, while typed, also a prefix (as typed: its place). */
function wordMatches(
  words: readonly string[],
  vocabulary: Vocabulary,
  leaveOut: readonly string[] = [],
): WordMatch[] {
  return words
    .map((word, i) => {
      const { hits = [], known = false } = vocabulary.get(word) ?? {};
      return {
        word,
        prefix: completes(words, i),
        corrections: corrections(word, hits, (term) => typoBudget(word, term, known)).map((c) => c.term),
      };
    })
    .filter((m) => !leaveOut.includes(m.word));
}

/** Words the vocabulary does not hold, that have no correction and complete no word. */
function unmatchedWords(words: readonly string[], vocabulary: Vocabulary): string[] {
  const matches = wordMatches(words, vocabulary);
  return [
    ...new Set(
      matches.filter((m) => !vocabulary.get(m.word)?.known && m.corrections.length === 0).map((m) => m.word),
    ),
  ];
}

async function runSearch(
  deps: CatalogDeps,
  em: EntityManager,
  q: string,
  words: readonly string[],
  vocabulary: Vocabulary,
  args: { filters: SearchFilters; facets: FacetName[]; page: number; pageSize: number },
  leaveOut: readonly string[] = [],
): Promise<SearchResult> {
  const matches = wordMatches(words, vocabulary, leaveOut);
  return searchPage(em, { language: language(deps), q, words: matches, ...args });
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
