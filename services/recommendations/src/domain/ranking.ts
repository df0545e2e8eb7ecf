// How one answer is put together: the strongest signal first, each product once, the asked limit.
export type Reason = 'bought_together' | 'viewed_together' | 'popular_in_category';

export interface Candidate {
  productId: string;
  score: number;
  reason: Reason;
}

/**
 * Bought-together candidates first (in their order), then viewed-together ones, then popular ones:
 * a product already named by a stronger list is skipped, as is anything in `exclude`.
 */
export function mergeCandidates(
  lists: ReadonlyArray<readonly Candidate[]>,
  limit: number,
  exclude: ReadonlySet<string> = new Set(),
): Candidate[] {
  const seen = new Set(exclude);
  const out: Candidate[] = [];
  for (const list of lists)
    for (const c of list) {
      if (out.length >= limit) return out;
      if (seen.has(c.productId)) continue;
      seen.add(c.productId);
      out.push(c);
    }
  return out;
}

/**
 * Popular products spread over categories: the best of each category first (categories in the order
 * of their best product), then the second of each, and so on. `ranked` is by popularity, highest first.
 */
export function interleaveByCategory<T extends { category: string | null }>(ranked: readonly T[]): T[] {
  const byCategory = new Map<string, T[]>();
  for (const p of ranked) {
    const key = p.category ?? '';
    const list = byCategory.get(key);
    if (list) list.push(p);
    else byCategory.set(key, [p]);
  }
  const out: T[] = [];
  const lists = [...byCategory.values()];
  for (let round = 0; out.length < ranked.length; round++)
    for (const list of lists) if (round < list.length) out.push(list[round] as T);
  return out;
}

/** Scores shown with 4 decimals (enough to order by; no false precision on the wire). */
export const roundScore = (s: number) => Math.round(s * 10_000) / 10_000;
