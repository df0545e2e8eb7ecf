// Rules a product must satisfy whatever the route that writes it.
import { isValidIsbn } from './isbn.ts';

/** The category whose products are books: they must name their author and carry a valid ISBN. */
export const BOOKS_CATEGORY = 'books';

/**
 * The attribute shipping weighs a parcel by (grams): a positive integer up to 1,000,000 (one tonne
 * is far beyond any parcel; a typo of a few zeros is caught here, not on a shipping quote). Absent,
 * shipping uses its default weight (DEFAULT_WEIGHT_GRAMS, 500 g).
 */
export const WEIGHT_ATTRIBUTE = 'weightGrams';
export const MAX_WEIGHT_GRAMS = 1_000_000;

export type ProductAttributes = Record<string, string | number | boolean | null>;

/** A product's writable fields, as created or replaced. */
export interface ProductInput {
  name: string;
  description: string;
  category: string;
  price: { amount: string; currency: string };
  attributes: ProductAttributes;
  active: boolean;
}

export interface ProductDraft {
  category: string;
  attributes: ProductAttributes;
}

/** Returns what breaks the rules (empty when none): the caller answers 422 with these. */
export function productRuleViolations(draft: ProductDraft): string[] {
  const violations: string[] = [];
  const { author, isbn } = draft.attributes;
  if (isbn !== undefined && isbn !== null && (typeof isbn !== 'string' || !isValidIsbn(isbn))) {
    violations.push('attributes.isbn is not a valid ISBN-10 or ISBN-13 (check digit)');
  }
  if (author !== undefined && author !== null && (typeof author !== 'string' || author.trim() === '')) {
    violations.push('attributes.author must be a non-empty string');
  }
  const weight = draft.attributes[WEIGHT_ATTRIBUTE];
  if (weight !== undefined && weight !== null && !isWeightGrams(weight)) {
    violations.push(
      `attributes.${WEIGHT_ATTRIBUTE} must be a whole number of grams from 1 to ${MAX_WEIGHT_GRAMS}`,
    );
  }
  if (draft.category === BOOKS_CATEGORY) {
    if (typeof author !== 'string' || author.trim() === '') violations.push('a book needs attributes.author');
    if (typeof isbn !== 'string') violations.push('a book needs attributes.isbn');
  }
  return violations;
}

const isWeightGrams = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_WEIGHT_GRAMS;

/**
 * The product's shipping weight, or undefined when it has none. A value stored before the rule
 * existed and breaking it is left out too (shipping then uses its default), so an event never
 * carries a weight its contract refuses.
 */
export function weightGramsOf(attributes: ProductAttributes): number | undefined {
  const weight = attributes[WEIGHT_ATTRIBUTE];
  return isWeightGrams(weight) ? weight : undefined;
}
