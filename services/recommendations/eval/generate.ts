// Purchase histories with planted structure, for the offline evaluation: products come in groups
// that are bought together (the signal), a few best-sellers join many orders (what a naive model
// echoes), and random products add noise. Seeded: the same options give the same history.

export interface GeneratedOrder {
  orderId: string;
  userId: string;
  atMs: number;
  productIds: string[];
}

export interface Generated {
  products: { productId: string; category: string }[];
  orders: GeneratedOrder[];
  /** group index of each grouped product (best-sellers have none) */
  groupOf: Map<string, number>;
  bestSellers: Set<string>;
}

export interface GenerateOptions {
  products: number;
  orders: number;
  customers: number;
  categories?: number;
  groupSize?: [number, number];
  /** products that join many orders whatever else is in them */
  bestSellers?: number;
  /** chance that an order gets a best-seller too */
  bestSellerRate?: number;
  /** chance that an order gets a random product too */
  noiseRate?: number;
  /** the history's span, ending at `endMs` */
  days?: number;
  endMs?: number;
  seed?: number;
}

/** mulberry32: small, fast, good enough to draw test data from. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID-shaped id from a counter (version 7 layout, deterministic). */
export function fakeUuid(kind: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `0190${kind.toString(16).padStart(4, '0')}-0000-7000-8000-${hex}`;
}

export function generate(opts: GenerateOptions): Generated {
  const rnd = prng(opts.seed ?? 16);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const categories = opts.categories ?? 20;
  const [minGroup, maxGroup] = opts.groupSize ?? [3, 6];
  const bestSellerCount = opts.bestSellers ?? Math.max(10, Math.round(opts.products / 50));
  const products = Array.from({ length: opts.products }, (_, i) => ({
    productId: fakeUuid(1, i + 1),
    category: `category-${(i % categories) + 1}`,
  }));
  const ids = products.map((p) => p.productId);
  const bestSellers = ids.slice(0, bestSellerCount);
  // The rest is cut into groups; a group's products are bought together.
  const groups: string[][] = [];
  const groupOf = new Map<string, number>();
  let i = bestSellerCount;
  while (i < ids.length) {
    const size = minGroup + Math.floor(rnd() * (maxGroup - minGroup + 1));
    const group = ids.slice(i, i + size);
    for (const p of group) groupOf.set(p, groups.length);
    groups.push(group);
    i += size;
  }
  // Each customer cares about two groups (drawn with a skew: some groups sell more than others).
  const skewed = () => groups[Math.floor(groups.length * rnd() ** 1.5)] as string[];
  const interests = Array.from({ length: opts.customers }, () => [skewed(), skewed()]);
  const days = opts.days ?? 180;
  const endMs = opts.endMs ?? Date.UTC(2026, 11, 1);
  const startMs = endMs - days * 86_400_000;
  const orders: GeneratedOrder[] = [];
  for (let n = 0; n < opts.orders; n++) {
    const customer = Math.floor(rnd() * opts.customers);
    const group = pick(interests[customer] as string[][]);
    const basket = new Set<string>();
    const want = Math.min(group.length, 1 + Math.floor(rnd() * 3));
    while (basket.size < want) basket.add(pick(group));
    if (rnd() < (opts.bestSellerRate ?? 0.4)) basket.add(pick(bestSellers));
    if (rnd() < (opts.noiseRate ?? 0.3)) basket.add(pick(ids));
    orders.push({
      orderId: fakeUuid(2, n + 1),
      userId: fakeUuid(3, customer + 1),
      atMs: startMs + Math.floor(rnd() * days * 86_400_000),
      productIds: [...basket],
    });
  }
  orders.sort((a, b) => a.atMs - b.atMs);
  return { products, orders, groupOf, bestSellers: new Set(bestSellers) };
}
