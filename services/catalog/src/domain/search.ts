// What a search means, independent of how PostgreSQL runs it: the words of a query, how many typos
// each may carry, the candidate corrections and the text-search queries built from them, facets,
// price bands and escaped highlighting.

/** Collapses whitespace, trims and lower-cases; the result is what is searched and what keys the cache. */
export function normalizeSearchText(q: string): string {
  return q.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The words of a query as the vocabulary holds them: letters and digits, lower case. */
export function queryWords(q: string): string[] {
  return normalizeSearchText(q).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Typos a word may carry: the rule of the search engines shoppers know (Meilisearch's defaults).
 * `strict` is what a search matches with: one typo from 5 letters, two from 9. `loose` is what
 * "did you mean" proposes from: one from 4 letters, two from 8.
 */
export function allowedTypos(word: string, mode: 'strict' | 'loose' = 'strict'): number {
  const n = [...word].length;
  const [one, two] = mode === 'strict' ? [5, 9] : [4, 8];
  if (/^\p{N}+$/u.test(word)) return 0; // numbers are exact
  return n >= two ? 2 : n >= one ? 1 : 0;
}

/**
 * Typos a query word may carry towards one vocabulary word. A word the catalog holds as typed is a
 * real word: its own length decides (Meilisearch's rule; "dune" is never corrected to "dunes"). A
 * word no product holds is a misspelling, and one that lost a letter is shorter than the word meant
 * ("qeen" for "queen", "waterfl" for "waterfall"): the longer of the two decides, so a dropped letter
 * costs what a changed one does — the rule counted on the word the shopper meant.
 */
export function typoBudget(word: string, term: string, known: boolean): number {
  const own = allowedTypos(word);
  if (known || /^\p{N}+$/u.test(word)) return own;
  return Math.max(own, allowedTypos(term));
}

/** The most typos any vocabulary word may be from `word` (for the lookup's deletion variants). */
export function maxTypoBudget(word: string, known: boolean): number {
  if (known || /^\p{N}+$/u.test(word)) return allowedTypos(word);
  // A longer word within n typos has at most n more letters: 4 letters may stand for 5 (one typo),
  // 7 for 9 (two).
  const n = [...word].length;
  return Math.max(allowedTypos(word), n + 1 >= 5 ? 1 : 0, n + 2 >= 9 ? 2 : 0);
}

/** The word and every string left by deleting up to `k` letters (the symmetric-delete keys). */
export function deletionVariants(word: string, k: number): string[] {
  const out = new Set<string>([word]);
  let frontier = [word];
  for (let step = 0; step < k; step++) {
    const next: string[] = [];
    for (const w of frontier) {
      const chars = [...w];
      for (let i = 0; i < chars.length; i++) {
        const v = chars.slice(0, i).join('') + chars.slice(i + 1).join('');
        if (!out.has(v)) {
          out.add(v);
          next.push(v);
        }
      }
    }
    frontier = next;
  }
  return [...out];
}

/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string alignment):
 * "tolkein" is one typo from "tolkien", as a shopper sees it. Stops early above `max`.
 */
export function typoDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  const s = [...a];
  const t = [...b];
  if (Math.abs(s.length - t.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) rows.push(new Array<number>(t.length + 1).fill(0));
  for (let i = 0; i <= s.length; i++) rows[i]![0] = i;
  for (let j = 0; j <= t.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
  }
  return rows[s.length]![t.length]!;
}

/** A vocabulary word found for a query word, and how far it is. */
export interface Candidate {
  term: string;
  docs: number;
  distance: number;
}

/** At most this many corrections per query word (closest, then most common). */
export const MAX_CANDIDATES_PER_WORD = 8;

/**
 * The corrections of `word` among vocabulary hits, within `maxTypos` (a number, or per vocabulary
 * word: typoBudget), not the word itself, closest first, then the most common.
 */
export function corrections(
  word: string,
  hits: readonly { term: string; docs: number }[],
  maxTypos: number | ((term: string) => number),
): Candidate[] {
  const budget = typeof maxTypos === 'number' ? () => maxTypos : maxTypos;
  const found: Candidate[] = [];
  for (const hit of hits) {
    if (hit.term === word || hit.docs <= 0) continue;
    const max = budget(hit.term);
    if (max === 0) continue;
    const distance = typoDistance(word, hit.term, max);
    if (distance <= max) found.push({ ...hit, distance });
  }
  found.sort((a, b) => a.distance - b.distance || b.docs - a.docs || (a.term < b.term ? -1 : 1));
  return found.slice(0, MAX_CANDIDATES_PER_WORD);
}

/** One query word with what may stand for it. */
export interface WordMatch {
  word: string;
  /** the last word while typing: also matches words it begins */
  prefix: boolean;
  corrections: string[];
}

type Weights = '' | 'A' | 'B' | 'AB';

/** A lexeme in to_tsquery syntax; words hold letters and digits only, so quoting is enough. */
function lexeme(word: string, prefix: boolean, weights: Weights): string {
  const suffix = prefix || weights ? `:${prefix ? '*' : ''}${weights}` : '';
  return `'${word.replace(/'/g, "''")}'${suffix}`;
}

/**
 * The to_tsquery text of a query: every word (AND), each as itself, its corrections (OR) and, for
 * the last word while typing, as a prefix. `typos: false` leaves the corrections out (the typo-free
 * query that ranks first); `weights` restricts the match to title (A), author (B) or both.
 */
export function tsQueryText(
  words: readonly WordMatch[],
  opts: { typos?: boolean; prefix?: boolean; weights?: Weights } = {},
): string {
  const { typos = true, prefix = true, weights = '' } = opts;
  return words
    .map((w) => {
      const alternatives = [lexeme(w.word, prefix && w.prefix, weights)];
      if (typos) for (const c of w.corrections) alternatives.push(lexeme(c, false, weights));
      return alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(' | ')})`;
    })
    .join(' & ');
}

/** The last word is completed as a prefix from this many letters (fewer match too much). */
export const MIN_PREFIX_LETTERS = 3;

// ---- facets and filters

export const FACETS = ['category', 'author', 'price', 'availability'] as const;
export type FacetName = (typeof FACETS)[number];

/** The facet names of a `facets=a,b` parameter; unknown names are returned separately (a 400). */
export function parseFacets(param: string | undefined): { facets: FacetName[]; unknown: string[] } {
  const facets: FacetName[] = [];
  const unknown: string[] = [];
  for (const raw of (param ?? '').split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if ((FACETS as readonly string[]).includes(name)) {
      if (!facets.includes(name as FacetName)) facets.push(name as FacetName);
    } else unknown.push(name);
  }
  return { facets, unknown };
}

/** Price bands, in the price's major unit: [from, to). The last is open. */
export const PRICE_BANDS = [
  { id: '0-10', from: '0', to: '10' },
  { id: '10-20', from: '10', to: '20' },
  { id: '20-50', from: '20', to: '50' },
  { id: '50-100', from: '50', to: '100' },
  { id: '100-', from: '100', to: undefined },
] as const;
export type PriceBandId = (typeof PRICE_BANDS)[number]['id'];

/** How many authors an author facet lists (the most frequent; a selected one is always listed). */
export const AUTHOR_FACET_SIZE = 20;

// ---- highlighting

/** What PostgreSQL's ts_headline puts around matched words; stripped from product text first. */
export const MARK_START = '\u0001';
export const MARK_END = '\u0002';

const MARKS = new RegExp(`([${MARK_START}${MARK_END}])`);

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * A snippet marked up by ts_headline (MARK_START/MARK_END) as HTML: the product's text escaped,
 * matched words in <mark>. Product text can never inject markup: every `<` it holds is escaped.
 */
export function markedSnippet(marked: string): string {
  let out = '';
  let open = false;
  for (const part of marked.split(MARKS)) {
    if (part === MARK_START) {
      if (!open) out += '<mark>';
      open = true;
    } else if (part === MARK_END) {
      if (open) out += '</mark>';
      open = false;
    } else out += escapeHtml(part);
  }
  return open ? `${out}</mark>` : out;
}

// ---- did you mean

/** A search with fewer results than this looks for a better spelling. */
export const FEW_RESULTS = 3;

/**
 * The query with each rare word (in fewer than FEW_RESULTS products) replaced by its most common
 * close spelling when that is more common; undefined when nothing would change.
 */
export function respelled(
  words: readonly string[],
  hitsByWord: (word: string) => readonly { term: string; docs: number }[],
): string | undefined {
  let changed = false;
  const out = words.map((word) => {
    const hits = hitsByWord(word);
    const own = hits.find((h) => h.term === word)?.docs ?? 0;
    const best = corrections(word, hits, allowedTypos(word, 'loose')).sort(
      (a, b) => b.docs - a.docs || a.distance - b.distance,
    )[0];
    if (best && own < FEW_RESULTS && best.docs > own) {
      changed = true;
      return best.term;
    }
    return word;
  });
  return changed ? out.join(' ') : undefined;
}

// ---- languages

/** Text-search configurations a catalog may use (PostgreSQL's built-in snowball stemmers). */
export const SEARCH_LANGUAGES = [
  'english',
  'german',
  'french',
  'spanish',
  'italian',
  'dutch',
  'portuguese',
  'swedish',
  'danish',
  'norwegian',
  'finnish',
  'russian',
  'simple',
] as const;
export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];
