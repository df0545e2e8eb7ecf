// The co-occurrence model in memory: the same arithmetic the service keeps in PostgreSQL (product,
// co_purchase), for the offline evaluation (eval/) and for the benchmark's bulk load, and as the
// reference the SQL answers are tested against.
import { decayWeight, type HalfLives } from './decay.ts';
import { cosine, distinctProducts } from './similarity.ts';

interface ItemStats {
  orders: number;
  weight: number;
  popular: number;
}

export class CoPurchaseModel {
  readonly items = new Map<string, ItemStats>();
  readonly pairs = new Map<string, Map<string, { orders: number; weight: number }>>();
  constructor(readonly halfLives: HalfLives) {}

  /** One confirmed order (sign -1: its cancellation). */
  addBasket(productIds: readonly string[], atMs: number, sign: 1 | -1 = 1): void {
    const basket = distinctProducts(productIds);
    const w = decayWeight(atMs, this.halfLives.coPurchaseDays);
    const wp = decayWeight(atMs, this.halfLives.popularDays);
    for (const a of basket) {
      const s = this.items.get(a) ?? { orders: 0, weight: 0, popular: 0 };
      s.orders += sign;
      s.weight += sign * w;
      s.popular += sign * wp;
      if (s.orders <= 0) this.items.delete(a);
      else this.items.set(a, s);
      let partners = this.pairs.get(a);
      for (const b of basket) {
        if (a === b) continue;
        if (!partners) {
          partners = new Map();
          this.pairs.set(a, partners);
        }
        const p = partners.get(b) ?? { orders: 0, weight: 0 };
        p.orders += sign;
        p.weight += sign * w;
        if (p.orders <= 0) partners.delete(b);
        else partners.set(b, p);
      }
    }
  }

  /**
   * Bought together with `productId`, by cosine (the service's measure), strongest first; `count`
   * ranks by the raw co-purchase count instead (what cosine is measured against in eval/).
   */
  similar(
    productId: string,
    limit: number,
    exclude: ReadonlySet<string> = new Set(),
    measure: 'cosine' | 'count' = 'cosine',
  ) {
    const a = this.items.get(productId);
    const partners = this.pairs.get(productId);
    if (!a || !partners) return [];
    const out: { productId: string; score: number }[] = [];
    for (const [b, p] of partners) {
      if (exclude.has(b)) continue;
      const sb = this.items.get(b);
      if (sb)
        out.push({
          productId: b,
          score: measure === 'cosine' ? cosine(p.weight, a.weight, sb.weight) : p.weight,
        });
    }
    return out.sort(byScore).slice(0, limit);
  }

  /**
   * "For you": the similarities to each product of the history, summed; each product of the history
   * contributes its `perSeed` strongest partners (the service keeps 60 per product), excluded or not.
   */
  forHistory(
    history: readonly string[],
    limit: number,
    exclude: ReadonlySet<string>,
    perSeed = Number.POSITIVE_INFINITY,
  ) {
    const sum = new Map<string, number>();
    for (const h of history)
      for (const c of this.similar(h, perSeed))
        if (!exclude.has(c.productId)) sum.set(c.productId, (sum.get(c.productId) ?? 0) + c.score);
    return [...sum]
      .map(([productId, score]) => ({ productId, score }))
      .sort(byScore)
      .slice(0, limit);
  }

  /** The most bought recently (decayed with the popularity half-life). */
  popular(limit: number, exclude: ReadonlySet<string> = new Set()) {
    return [...this.items]
      .filter(([id]) => !exclude.has(id))
      .map(([productId, s]) => ({ productId, score: s.popular }))
      .sort(byScore)
      .slice(0, limit);
  }
}

const byScore = (x: { productId: string; score: number }, y: { productId: string; score: number }) =>
  y.score - x.score || (x.productId < y.productId ? -1 : 1);
