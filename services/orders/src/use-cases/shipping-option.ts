// The shipping option a request names (POST /orders, a line change): its quote read from shipping,
// then checked against the order (domain/shipping.ts). Every refusal is a 422 naming the field, like
// the address's, and is raised before anything is written.
import type { ShippingCharge } from '@mercato/contracts';
import { HttpProblem } from '@mercato/kit';
import type { RequestedLine } from '../domain/pricing.ts';
import {
  checkQuote,
  lineDifferences,
  type Quote,
  type QuoteBook,
  type QuotedOrder,
  type QuoteRejection,
  type ShippingChoice,
} from '../domain/shipping.ts';

/** A 422 about `shipping.<field>` of the body (the shape of a validation error's `errors`). */
function shippingProblem(
  slug: string,
  title: string,
  field: 'quoteId' | 'level',
  message: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): HttpProblem {
  return new HttpProblem({
    status: 422,
    slug,
    title,
    detail,
    extensions: { errors: [{ path: `body/shipping/${field}`, message }], ...extensions },
  });
}

/** The quote of the choice; 422 when shipping does not know it (a 503 when shipping is down). */
export async function readQuote(book: QuoteBook, choice: ShippingChoice): Promise<Quote> {
  const quote = await book.find(choice.quoteId);
  if (!quote)
    throw shippingProblem(
      'shipping-quote-unknown',
      'Unknown shipping quote',
      'quoteId',
      'is not a quote of the shipping service',
      `There is no shipping quote ${choice.quoteId}: ask for one (POST /shippings/rates) and send its quoteId`,
    );
  return quote;
}

function rejected(rejection: QuoteRejection, quoteId: string): HttpProblem {
  switch (rejection.kind) {
    case 'expired':
      return shippingProblem(
        'shipping-quote-expired',
        'Shipping quote expired',
        'quoteId',
        'has expired',
        `The shipping quote ${quoteId} was valid until ${rejection.expiresAt}: ask for a new one`,
        { expiresAt: rejection.expiresAt },
      );
    case 'level_unavailable':
      return shippingProblem(
        'shipping-level-unavailable',
        'Shipping level not offered',
        'level',
        `is not offered by this quote (offered: ${rejection.offered.join(', ') || 'none'})`,
        `The shipping quote ${quoteId} offers no ${rejection.level} shipping; offered: ${rejection.offered.join(', ') || 'none'}`,
        { offered: rejection.offered },
      );
    case 'mismatch':
      return quoteMismatch(quoteId, rejection.differences);
  }
}

/** 422: the quote was made for another destination, other lines or another currency. */
export function quoteMismatch(quoteId: string, differences: string[]): HttpProblem {
  return shippingProblem(
    'shipping-quote-mismatch',
    'The shipping quote does not fit the order',
    'quoteId',
    'was made for another destination, other lines or another currency',
    `The shipping quote ${quoteId} does not fit the order: ${differences.join('; ')}. Ask for a new quote for these lines and this address`,
    { differences },
  );
}

/** The shipping line for the order from the quote's chosen option, or the 422 saying why not. */
export function chooseShipping(
  quote: Quote,
  choice: ShippingChoice,
  order: QuotedOrder,
  now = new Date(),
): ShippingCharge {
  const checked = checkQuote(quote, choice, order, now);
  if (!checked.ok) throw rejected(checked.rejection, choice.quoteId);
  return checked.charge;
}

/**
 * Lines changed without a new shipping option: the order keeps its shipping line only while its lines
 * are still the quoted ones (they were when it was chosen), else 422 asking for a new quote.
 */
export function assertStillQuoted(
  quoteId: string,
  quoted: readonly RequestedLine[],
  lines: readonly RequestedLine[],
): void {
  const differences = lineDifferences(quoted, lines);
  if (differences.length > 0) throw quoteMismatch(quoteId, differences);
}
