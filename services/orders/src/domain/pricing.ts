// Pricing an order from the local read model of catalog prices. Pure: the caller looks the prices
// up (in one query) and turns a PricingError into a 422.
import { lineTotal, normalizeAmount, sumAmounts } from '@mercato/contracts';

export interface RequestedLine {
  productId: string;
  quantity: number;
}

/** A line the client priced: the unit price it showed the customer. */
export interface ExpectedPrice {
  productId: string;
  unitPrice?: { amount: string; currency: string };
}

export interface PriceChange {
  productId: string;
  expected: { amount: string; currency: string };
  current: { amount: string; currency: string };
}

/**
 * The lines whose expected unit price is not the price known now (products not known are left to
 * priceLines). The amounts compare as decimals: '12.5' is '12.50'.
 */
export function changedPrices(
  lines: readonly ExpectedPrice[],
  prices: ReadonlyMap<string, KnownPrice>,
): PriceChange[] {
  const changes: PriceChange[] = [];
  for (const l of lines) {
    const known = prices.get(l.productId);
    if (!l.unitPrice || !known) continue;
    const current = { amount: normalizeAmount(known.amount), currency: known.currency };
    const expected = { amount: normalizeAmount(l.unitPrice.amount), currency: l.unitPrice.currency };
    if (current.amount !== expected.amount || current.currency !== expected.currency)
      changes.push({ productId: l.productId, expected, current });
  }
  return changes;
}

export interface KnownPrice {
  productId: string;
  name: string;
  amount: string;
  currency: string;
  active: boolean;
}

export interface PricedLine {
  productId: string;
  name: string;
  quantity: number;
  unitAmount: string;
  currency: string;
}

export type PricingError =
  | { kind: 'unknown_products'; productIds: string[] }
  | { kind: 'inactive_products'; productIds: string[] }
  | { kind: 'mixed_currencies'; currencies: string[] };

export type PricingResult = { ok: true; lines: PricedLine[] } | { ok: false; error: PricingError };

/**
 * The same product twice in one request is one line with the summed quantity: inventory reserves
 * per product, and the customer sees one line per product.
 */
export function mergeLines(lines: readonly RequestedLine[]): RequestedLine[] {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.productId, (merged.get(l.productId) ?? 0) + l.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

export function priceLines(
  lines: readonly RequestedLine[],
  prices: ReadonlyMap<string, KnownPrice>,
): PricingResult {
  const unknown = lines.filter((l) => !prices.has(l.productId)).map((l) => l.productId);
  if (unknown.length > 0) return { ok: false, error: { kind: 'unknown_products', productIds: unknown } };
  const inactive = lines.filter((l) => !prices.get(l.productId)!.active).map((l) => l.productId);
  if (inactive.length > 0) return { ok: false, error: { kind: 'inactive_products', productIds: inactive } };
  const priced = lines.map((l) => {
    const p = prices.get(l.productId)!;
    return {
      productId: l.productId,
      name: p.name,
      quantity: l.quantity,
      unitAmount: normalizeAmount(p.amount),
      currency: p.currency,
    };
  });
  const currencies = [...new Set(priced.map((l) => l.currency))];
  if (currencies.length > 1) return { ok: false, error: { kind: 'mixed_currencies', currencies } };
  return { ok: true, lines: priced };
}

/** The order total of lines that share one currency. */
export function orderTotal(lines: readonly { unitAmount: string; quantity: number }[]): string {
  return sumAmounts(lines.map((l) => lineTotal(l.unitAmount, l.quantity)));
}

export function describePricingError(error: PricingError): string {
  switch (error.kind) {
    case 'unknown_products':
      return `Unknown product(s): ${error.productIds.join(', ')}`;
    case 'inactive_products':
      return `Product(s) not for sale: ${error.productIds.join(', ')}`;
    case 'mixed_currencies':
      return `An order is paid in one currency; these lines mix ${error.currencies.join(', ')}`;
  }
}
