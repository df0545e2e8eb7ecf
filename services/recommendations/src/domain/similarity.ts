// Item-to-item similarity from co-occurrence counts. Cosine divides the co-occurrence of a and b by
// the geometric mean of how often each occurs, so a best-seller that is in every basket does not top
// every list: it is bought with a as often as with anything else, and its own count divides that away.

/** Cosine of two products' occurrence vectors (over orders, or view sessions), in [0, 1]. */
export function cosine(together: number, countA: number, countB: number): number {
  if (together <= 0 || countA <= 0 || countB <= 0) return 0;
  return Math.min(1, together / Math.sqrt(countA * countB));
}

/** The distinct products of a basket (an order's lines may name a product twice). */
export function distinctProducts(productIds: readonly string[]): string[] {
  return [...new Set(productIds)].sort();
}

/**
 * Ordered pairs (a, b), a ≠ b, of a basket that involve at least one of `touched` (all pairs when
 * touched is the whole basket): what a cancelled order or a returned product takes back.
 */
export function pairsTouching(
  basket: readonly string[],
  touched: ReadonlySet<string>,
): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const a of basket)
    for (const b of basket) if (a !== b && (touched.has(a) || touched.has(b))) pairs.push([a, b]);
  return pairs.sort((x, y) => (x[0] === y[0] ? (x[1] < y[1] ? -1 : 1) : x[0] < y[0] ? -1 : 1));
}

/**
 * Partners kept per product (the read cache's lists): the largest answer (50) and some to spare for
 * partners out of stock. A product's answer that runs short reads the tables; "for you" sums the kept
 * lists of its seeds (a partner beyond a seed's 60 strongest adds nothing from that seed).
 */
export const NEIGHBOURS_KEPT = 60;
