// Shipping rates, without I/O: which zone a destination is in, what a parcel of some weight costs at
// each service level, when standard shipping is free, and what makes a rate table valid. Money is
// exact (bigint units through @mercato/contracts' money helpers), never a float.
import { lineTotal, normalizeAmount, type ServiceLevel, sumAmounts, toUnits } from '@mercato/contracts';
import { isCountryCode } from './rates-countries.ts';
import type { LevelRates, RateTable, RateZone } from './rates-schema.ts';

/** The zone for every country that no other zone lists. */
export const CATCH_ALL_ZONE = 'world';
/** The levels in the order a quote offers them. */
export const SERVICE_LEVELS: readonly ServiceLevel[] = ['standard', 'express'];

export interface RequestedLine {
  productId: string;
  quantity: number;
}

/** What shipping knows of a product (its read model of catalog's events). */
export interface KnownProduct {
  productId: string;
  amount: string;
  currency: string;
  active: boolean;
  /** absent: the product has no `weightGrams` attribute, DEFAULT_WEIGHT_GRAMS applies */
  weightGrams?: number;
}

export interface QuoteRules {
  /** SHIPPING_CURRENCY */
  currency: string;
  /** FREE_SHIPPING_THRESHOLD; 'none' (or '') means never free */
  freeShippingThreshold: string;
  /** DEFAULT_WEIGHT_GRAMS */
  defaultWeightGrams: number;
}

export interface QuotedOption {
  level: ServiceLevel;
  /** exact decimal in the quote's currency, normalised ('4.99', '0.00') */
  price: string;
  estimatedDays: { min: number; max: number };
}

export interface Quotation {
  zone: string;
  /** what the lines cost at the read model's prices (the free-shipping threshold is held to it) */
  subtotal: string;
  weightGrams: number;
  options: QuotedOption[];
}

export type QuoteError =
  | { kind: 'unknown_products'; productIds: string[] }
  | { kind: 'inactive_products'; productIds: string[] }
  | { kind: 'currency_not_supported'; productIds: string[]; currency: string }
  | { kind: 'no_shipping_option'; country: string; zone?: string; weightGrams: number };

export type QuoteResult = { ok: true; quotation: Quotation } | { ok: false; error: QuoteError };

/**
 * One product on several lines is one line with the summed quantity (as orders merges them), so a
 * quote's lines compare one to one with the order's. First appearance keeps its place.
 */
export function mergeLines(lines: readonly RequestedLine[]): RequestedLine[] {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.productId, (merged.get(l.productId) ?? 0) + l.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/** The zone listing the country, else the catch-all; undefined when the table ships nowhere there. */
export function zoneFor(table: RateTable, country: string): RateZone | undefined {
  return (
    table.zones.find((z) => z.countries.includes(country)) ??
    table.zones.find((z) => z.name === CATCH_ALL_ZONE)
  );
}

/** The price of the first band the weight fits in; undefined above the last band. */
export function bandPrice(rates: LevelRates, weightGrams: number): string | undefined {
  return rates.bands.find((b) => weightGrams <= b.maxWeightGrams)?.price;
}

/** The FREE_SHIPPING_THRESHOLD that turns free shipping off. */
export const NO_FREE_SHIPPING = 'none';

export function isFreeShipping(subtotal: string, threshold: string): boolean {
  if (threshold === '' || threshold === NO_FREE_SHIPPING) return false;
  return toUnits(subtotal) >= toUnits(threshold);
}

/**
 * The options for sending `lines` (merged) to `country`: every level whose bands hold the parcel's
 * weight, standard at 0.00 once the subtotal reaches the free-shipping threshold (express is never
 * free: it is the customer's choice to pay for speed).
 */
export function quoteShipping(
  country: string,
  lines: readonly RequestedLine[],
  products: ReadonlyMap<string, KnownProduct>,
  table: RateTable,
  rules: QuoteRules,
): QuoteResult {
  const unknown = lines.filter((l) => !products.has(l.productId)).map((l) => l.productId);
  if (unknown.length > 0) return { ok: false, error: { kind: 'unknown_products', productIds: unknown } };
  const known = lines.map((l) => ({ line: l, product: products.get(l.productId)! }));
  const inactive = known.filter((k) => !k.product.active).map((k) => k.line.productId);
  if (inactive.length > 0) return { ok: false, error: { kind: 'inactive_products', productIds: inactive } };
  const foreign = known.filter((k) => k.product.currency !== rules.currency).map((k) => k.line.productId);
  if (foreign.length > 0)
    return {
      ok: false,
      error: { kind: 'currency_not_supported', productIds: foreign, currency: rules.currency },
    };

  const subtotal = sumAmounts(known.map((k) => lineTotal(k.product.amount, k.line.quantity)));
  const weightGrams = known.reduce(
    (sum, k) => sum + k.line.quantity * (k.product.weightGrams ?? rules.defaultWeightGrams),
    0,
  );
  const zone = zoneFor(table, country);
  if (!zone) return { ok: false, error: { kind: 'no_shipping_option', country, weightGrams } };
  const free = isFreeShipping(subtotal, rules.freeShippingThreshold);
  const options: QuotedOption[] = [];
  for (const level of SERVICE_LEVELS) {
    const rates = zone.levels[level];
    const price = bandPrice(rates, weightGrams);
    if (price === undefined) continue;
    options.push({
      level,
      price: level === 'standard' && free ? '0.00' : normalizeAmount(price),
      estimatedDays: { ...rates.estimatedDays },
    });
  }
  if (options.length === 0)
    return { ok: false, error: { kind: 'no_shipping_option', country, zone: zone.name, weightGrams } };
  return { ok: true, quotation: { zone: zone.name, subtotal, weightGrams, options } };
}

export function describeQuoteError(error: QuoteError): string {
  switch (error.kind) {
    case 'unknown_products':
      return `Unknown product(s): ${error.productIds.join(', ')}`;
    case 'inactive_products':
      return `Product(s) not for sale: ${error.productIds.join(', ')}`;
    case 'currency_not_supported':
      return `Shipping is quoted in ${error.currency} only; these products are priced in another currency: ${error.productIds.join(', ')}`;
    case 'no_shipping_option':
      return error.zone
        ? `No service level ships ${error.weightGrams} g to ${error.country} (zone ${error.zone})`
        : `Nothing ships to ${error.country}`;
  }
}

export interface RateTableIssue {
  /** JSON pointer into the table ('/zones/1/levels/express/bands/2/maxWeightGrams') */
  path: string;
  message: string;
}

/**
 * What the schema cannot say about a table that passed it: the catch-all zone lists no countries and
 * every other zone some; zone names unique; countries real ISO codes and each in one zone only;
 * bands strictly ascending by weight; estimatedDays min <= max. [] when the table is valid.
 */
export function validateRateTable(table: RateTable): RateTableIssue[] {
  const issues: RateTableIssue[] = [];
  const names = new Set<string>();
  const zoneOf = new Map<string, string>();
  table.zones.forEach((zone, z) => {
    const at = `/zones/${z}`;
    if (names.has(zone.name)) issues.push({ path: `${at}/name`, message: `zone ${zone.name} appears twice` });
    names.add(zone.name);
    if (zone.name === CATCH_ALL_ZONE && zone.countries.length > 0)
      issues.push({
        path: `${at}/countries`,
        message: `the ${CATCH_ALL_ZONE} zone is the catch-all for every unlisted country: it lists none`,
      });
    if (zone.name !== CATCH_ALL_ZONE && zone.countries.length === 0)
      issues.push({ path: `${at}/countries`, message: `zone ${zone.name} lists no country` });
    zone.countries.forEach((country, c) => {
      if (!isCountryCode(country))
        issues.push({ path: `${at}/countries/${c}`, message: `${country} is not an ISO 3166-1 country` });
      const held = zoneOf.get(country);
      if (held !== undefined)
        issues.push({
          path: `${at}/countries/${c}`,
          message: `${country} is already in zone ${held}: a country belongs to one zone`,
        });
      else zoneOf.set(country, zone.name);
    });
    for (const level of SERVICE_LEVELS) {
      const rates = zone.levels[level];
      const levelAt = `${at}/levels/${level}`;
      if (rates.estimatedDays.min > rates.estimatedDays.max)
        issues.push({ path: `${levelAt}/estimatedDays`, message: 'min is more than max' });
      rates.bands.forEach((band, b) => {
        const previous = rates.bands[b - 1];
        if (previous && band.maxWeightGrams <= previous.maxWeightGrams)
          issues.push({
            path: `${levelAt}/bands/${b}/maxWeightGrams`,
            message: `bands must ascend: ${band.maxWeightGrams} g follows ${previous.maxWeightGrams} g`,
          });
      });
    }
  });
  return issues;
}
