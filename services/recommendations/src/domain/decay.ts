// Time decay without rewriting old rows: an event at time t adds 2^((t - EPOCH) / halfLife) instead of
// 1. Every weight then grows on the same scale, so any ratio of two weights (a cosine, a share of the
// top seller) is the ratio of the decayed counts "as of now": an event one half-life older counts half.
// With a 7-day half-life the scale stays far inside a double's range until about 2045 (2^1000);
// rebasing is one UPDATE dividing every weight by the same factor and moving EPOCH_MS.

export const EPOCH_MS = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

/** The weight an event at `atMs` adds to a count that halves every `halfLifeDays`. */
export function decayWeight(atMs: number, halfLifeDays: number): number {
  return 2 ** ((atMs - EPOCH_MS) / (halfLifeDays * DAY_MS));
}

export interface HalfLives {
  /** co-purchases and co-views: what customers bought together months ago still counts */
  coPurchaseDays: number;
  /** popularity: "recent window" */
  popularDays: number;
}

/**
 * A weight as the decimal text stored (numeric columns): 15 significant digits, the same text in the
 * order's row and in the sums, so taking it back restores the sums exactly.
 */
export function weightText(weight: number): string {
  return weight.toPrecision(15);
}
