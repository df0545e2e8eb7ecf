// Rules a product must satisfy whatever the route that writes it.
import { isValidIsbn } from './isbn.ts';

/** The category whose products are books: they must name their author and carry a valid ISBN. */
export const BOOKS_CATEGORY = 'books';

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
  if (draft.category === BOOKS_CATEGORY) {
    if (typeof author !== 'string' || author.trim() === '') violations.push('a book needs attributes.author');
    if (typeof isbn !== 'string') violations.push('a book needs attributes.isbn');
  }
  return violations;
}
