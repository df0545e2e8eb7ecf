// Prices are exact: a decimal string that fits PostgreSQL numeric(12,2), never a binary float.
// Comparisons go through integer cents (bigint) so "10.5" and "10.50" are the same price.

/** At most 10 integer digits and 2 decimals, no sign, no exponent: what numeric(12,2) can hold. */
export const STORED_PRICE_PATTERN = '^(0|[1-9][0-9]{0,9})(\\.[0-9]{1,2})?$';
const STORED_PRICE = new RegExp(STORED_PRICE_PATTERN);

/**
 * A price a product may be given: 0.01 (the smallest unit of a two-decimal currency; a 0.00 product
 * would make a paid order of nothing) to 999,999.99, so that the largest order line (× 10,000, orders'
 * quantity cap) stays far inside what orders, payments and invoices store (issue 9).
 */
export const PRICE_PATTERN = '^(0\\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,5}(\\.[0-9]{1,2})?)$';
export const MIN_PRICE = '0.01';
export const MAX_PRICE = '999999.99';
const SALE_PRICE = new RegExp(PRICE_PATTERN);

/** A price a product may be given now (PRICE_PATTERN). */
export function isSalePrice(value: string): boolean {
  return SALE_PRICE.test(value);
}

export class InvalidPriceError extends Error {
  override name = 'InvalidPriceError';
}

/** Any price numeric(12,2) holds, older products' included (reads, sorting, filters). */
export function isPrice(value: string): boolean {
  return STORED_PRICE.test(value);
}

/** Price as integer minor units (cents). */
export function toCents(value: string): bigint {
  if (!isPrice(value)) throw new InvalidPriceError(`not a price: ${JSON.stringify(value)}`);
  const [whole, fraction = ''] = value.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** The canonical form PostgreSQL returns for numeric(12,2): always two decimals ("12.5" → "12.50"). */
export function normalizePrice(value: string): string {
  const cents = toCents(value);
  const whole = cents / 100n;
  const fraction = (cents % 100n).toString().padStart(2, '0');
  return `${whole}.${fraction}`;
}

export function comparePrices(a: string, b: string): -1 | 0 | 1 {
  const x = toCents(a);
  const y = toCents(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
