// What the rates routes do, between HTTP and the tables: quoting (read model + table in force →
// domain → stored quote), reading a quote, and reading or replacing the rate table.

import type { MikroORM } from '@mercato/db';
import { type AuthUser, HttpProblem, problems, type ServiceClient } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import {
  describeQuoteError,
  mergeLines,
  type QuoteError,
  type QuoteRules,
  quoteShipping,
  validateRateTable,
} from '../../domain/rates.ts';
import { isCountryCode } from '../../domain/rates-countries.ts';
import type { RateTable } from '../../domain/rates-schema.ts';
import { productsOf } from '../../persistence/products.ts';
import { findQuote, insertQuote, type StoredQuote } from '../../persistence/quotes.ts';
import { currentRateTable, replaceRateTable, type StoredRateTable } from '../../persistence/rates.ts';
import { learnMissingProducts } from '../../use-cases/learn-products.ts';
import type { RatesBody } from './schemas.ts';

export interface RatesSettings extends QuoteRules {
  quoteTtlMinutes: number;
  /** Asked for a product the read model lacks; without one such a product is unknown (422). */
  catalog?: ServiceClient;
}

const QUOTE_PROBLEMS: Record<QuoteError['kind'], { slug: string; title: string }> = {
  unknown_products: { slug: 'unknown-product', title: 'Unknown product' },
  inactive_products: { slug: 'product-inactive', title: 'Product not for sale' },
  currency_not_supported: { slug: 'currency-not-supported', title: 'Currency not supported' },
  no_shipping_option: { slug: 'no-shipping-option', title: 'No shipping option' },
};

/** A 422 naming the request lines it is about (their indexes in the body, as sent). */
function quoteProblem(error: QuoteError, body: RatesBody): HttpProblem {
  const { slug, title } = QUOTE_PROBLEMS[error.kind];
  const about = 'productIds' in error ? new Set(error.productIds) : undefined;
  const errors = about
    ? body.lines.flatMap((l, i) =>
        about.has(l.productId) ? [{ path: `body/lines/${i}/productId`, message: title }] : [],
      )
    : undefined;
  return new HttpProblem({
    status: 422,
    slug,
    title,
    detail: describeQuoteError(error),
    extensions: { ...error, ...(errors ? { errors } : {}) },
  });
}

/** Like the schema's own refusals (the pattern only says "two capitals"): a validation error. */
const invalidCountry = (country: string) =>
  new HttpProblem({
    status: 400,
    slug: 'validation-error',
    title: 'Bad Request',
    detail: `body/destination/country ${country} is not an ISO 3166-1 alpha-2 country code`,
    extensions: {
      errors: [{ path: 'body/destination/country', message: 'must be an ISO 3166-1 alpha-2 country code' }],
    },
  });

export async function createQuote(
  orm: MikroORM,
  settings: RatesSettings,
  body: RatesBody,
): Promise<StoredQuote> {
  const { country, postalCode } = body.destination;
  if (!isCountryCode(country)) throw invalidCountry(country);
  const lines = mergeLines(body.lines);
  if (settings.catalog)
    await learnMissingProducts(
      orm,
      settings.catalog,
      lines.map((l) => l.productId),
    );
  return orm.em.fork().transactional(async (em) => {
    const products = await productsOf(
      em,
      lines.map((l) => l.productId),
    );
    const current = await currentRateTable(em);
    // Only before the seed ran: setupRates seeds before the routes exist.
    if (!current) throw problems.serviceUnavailable('No rate table is in force yet');
    const result = quoteShipping(country, lines, products, current.table, settings);
    if (!result.ok) throw quoteProblem(result.error, body);
    const { quotation } = result;
    return insertQuote(
      em,
      {
        id: uuidv7(),
        rateTableVersion: current.version,
        country,
        ...(postalCode === undefined ? {} : { postalCode }),
        currency: settings.currency,
        subtotal: quotation.subtotal,
        weightGrams: quotation.weightGrams,
        zone: quotation.zone,
        lines,
        options: quotation.options,
      },
      settings.quoteTtlMinutes,
    );
  });
}

/** A quote, expired or not (the caller compares expiresAt); 404 once swept or never made. */
export async function getQuote(orm: MikroORM, quoteId: string): Promise<StoredQuote> {
  const quote = await findQuote(orm.em.fork(), quoteId);
  if (!quote) throw problems.notFound(`No quote ${quoteId}`);
  return quote;
}

export async function getRateTable(orm: MikroORM): Promise<StoredRateTable> {
  const current = await currentRateTable(orm.em.fork());
  if (!current) throw problems.serviceUnavailable('No rate table is in force yet');
  return current;
}

/**
 * A new version of the table: 422 when it breaks a rule the schema cannot state or is in another
 * currency than SHIPPING_CURRENCY; `ifMatch` throws 412 when the caller's read is stale.
 */
export async function putRateTable(
  orm: MikroORM,
  currency: string,
  user: AuthUser,
  table: RateTable,
  ifMatch: (currentVersion: number) => void,
): Promise<StoredRateTable> {
  if (table.currency !== currency)
    throw new HttpProblem({
      status: 422,
      slug: 'currency-not-supported',
      title: 'Currency not supported',
      detail: `Rates are kept in ${currency} (SHIPPING_CURRENCY), not ${table.currency}`,
      extensions: { errors: [{ path: 'body/currency', message: `must be ${currency}` }] },
    });
  const issues = validateRateTable(table);
  if (issues.length > 0)
    throw new HttpProblem({
      status: 422,
      slug: 'invalid-rate-table',
      title: 'Invalid rate table',
      detail: issues.map((i) => `${i.path}: ${i.message}`).join('; '),
      extensions: { errors: issues.map((i) => ({ path: `body${i.path}`, message: i.message })) },
    });
  return replaceRateTable(orm, table, user.sub, ifMatch);
}
