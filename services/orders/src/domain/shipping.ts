// The shipping line of an order: the option the customer chose from a quote of the shipping service,
// charged at the quoted price. Orders does not price shipping: it checks that the quote fits the order
// (still valid, the level offered, same destination country, same products and quantities, same
// currency) and keeps quote id, level and price, so a rate change after the quote changes nothing.
// Pure: the quote is read by a QuoteBook (shipping's API) and a rejection becomes a 422.
import type { ServiceLevel, ShippingCharge } from '@mercato/contracts';
import { fromUnits, normalizeAmount, sumAmounts, toUnits } from '@mercato/contracts';
import { mergeLines, type RequestedLine } from './pricing.ts';

/** What the customer chose: a quote and one of its levels. */
export interface ShippingChoice {
  quoteId: string;
  level: ServiceLevel;
}

/** A quote as shipping gives it (GET /shippings/quotes/{id}), as far as orders reads it. */
export interface Quote {
  quoteId: string;
  destination: { country: string; postalCode?: string };
  /** the products and quantities priced, one line per product */
  lines: RequestedLine[];
  currency: string;
  options: { level: string; price: { amount: string; currency: string } }[];
  /** ISO 8601; the price is honoured until then */
  expiresAt: string;
}

export interface QuoteBook {
  /**
   * The quote, also an expired one (the caller compares expiresAt), or undefined when shipping does
   * not know it. Throws a 503 HttpProblem when shipping cannot answer.
   */
  find(quoteId: string): Promise<Quote | undefined>;
}

/** The order as the quote must fit it. */
export interface QuotedOrder {
  /** The country of the address snapshot (ISO 3166-1 alpha-2); undefined when the order has none. */
  country: string | undefined;
  lines: readonly RequestedLine[];
  /** the currency of the lines */
  currency: string;
}

export type QuoteRejection =
  | { kind: 'expired'; expiresAt: string }
  | { kind: 'level_unavailable'; level: string; offered: string[] }
  | { kind: 'mismatch'; differences: string[] };

export type QuoteCheck = { ok: true; charge: ShippingCharge } | { ok: false; rejection: QuoteRejection };

/** The order's lines as productId → quantity, one entry per product. */
function quantities(lines: readonly RequestedLine[]): Map<string, number> {
  return new Map(mergeLines(lines).map((l) => [l.productId, l.quantity]));
}

/** How the quoted lines and the order's differ, one text per product ([] when they are the same). */
export function lineDifferences(
  quoted: readonly RequestedLine[],
  ordered: readonly RequestedLine[],
): string[] {
  const q = quantities(quoted);
  const o = quantities(ordered);
  const differences: string[] = [];
  for (const productId of new Set([...q.keys(), ...o.keys()])) {
    const a = q.get(productId) ?? 0;
    const b = o.get(productId) ?? 0;
    if (a !== b) differences.push(`product ${productId}: ${a} quoted, ${b} ordered`);
  }
  return differences;
}

/**
 * Whether the quote's option `choice.level` can be the order's shipping line `now`: not expired,
 * the level offered, and the quote made for this order (country, lines, currency). Checked in that
 * order; every difference of the last kind is named.
 */
export function checkQuote(quote: Quote, choice: ShippingChoice, order: QuotedOrder, now: Date): QuoteCheck {
  const expiresAt = Date.parse(quote.expiresAt);
  if (!(expiresAt > now.getTime()))
    return { ok: false, rejection: { kind: 'expired', expiresAt: quote.expiresAt } };
  const option = quote.options.find((o) => o.level === choice.level);
  if (!option)
    return {
      ok: false,
      rejection: {
        kind: 'level_unavailable',
        level: choice.level,
        offered: quote.options.map((o) => o.level),
      },
    };
  const differences: string[] = [];
  if (order.country === undefined)
    differences.push('the order has no shipping address snapshot to compare the destination with');
  else if (quote.destination.country !== order.country)
    differences.push(`the quote is for ${quote.destination.country}, the order ships to ${order.country}`);
  differences.push(...lineDifferences(quote.lines, order.lines));
  if (quote.currency !== order.currency || option.price.currency !== order.currency)
    differences.push(`the quote is in ${option.price.currency}, the lines in ${order.currency}`);
  if (differences.length > 0) return { ok: false, rejection: { kind: 'mismatch', differences } };
  return {
    ok: true,
    charge: {
      quoteId: quote.quoteId,
      level: choice.level,
      price: { amount: normalizeAmount(option.price.amount), currency: order.currency },
    },
  };
}

/** The shipping line as an order row keeps it (null columns: no shipping line). */
export interface ShippingColumns {
  shippingQuoteId?: string | null;
  shippingLevel?: ServiceLevel | null;
  /** in the order's currency */
  shippingAmount?: string | null;
}

/** The order's shipping line, or undefined when it has none. */
export function shippingChargeOf(order: ShippingColumns & { currency: string }): ShippingCharge | undefined {
  if (!order.shippingQuoteId || !order.shippingLevel || order.shippingAmount == null) return undefined;
  return {
    quoteId: order.shippingQuoteId,
    level: order.shippingLevel,
    price: { amount: normalizeAmount(order.shippingAmount), currency: order.currency.trim() },
  };
}

/** The columns of a shipping line (all null without one). */
export function shippingColumns(charge: ShippingCharge | undefined): Required<ShippingColumns> {
  return {
    shippingQuoteId: charge?.quoteId ?? null,
    shippingLevel: charge?.level ?? null,
    shippingAmount: charge?.price.amount ?? null,
  };
}

/** The order's total: its lines plus the shipping price, when it has a shipping line. */
export function totalWithShipping(linesTotal: string, shippingAmount: string | null | undefined): string {
  return shippingAmount == null ? linesTotal : sumAmounts([linesTotal, shippingAmount]);
}

/** The lines' part of a total (the total less the shipping price). */
export function subtotalOf(totalAmount: string, shippingAmount: string | null | undefined): string {
  return shippingAmount == null
    ? normalizeAmount(totalAmount)
    : fromUnits(toUnits(totalAmount) - toUnits(shippingAmount));
}
