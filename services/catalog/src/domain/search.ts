// What a search means, independent of how PostgreSQL runs it.

/**
 * word_similarity threshold for the typo-tolerant part of a search. pg_trgm's default (0.6) misses
 * one-letter slips in short words ("Tolkein" vs "Tolkien" scores 0.5); 0.4 still keeps unrelated
 * words out, and full-text rank orders the rest.
 */
export const TYPO_THRESHOLD = 0.4;

/** Collapses whitespace and trims; the result is what is searched and what keys the cache. */
export function normalizeSearchText(q: string): string {
  return q.normalize('NFKC').replace(/\s+/g, ' ').trim();
}
