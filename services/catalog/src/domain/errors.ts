// What can go wrong in a catalog operation, said without HTTP; routes translate these to problems.

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
/** The name (or slug) is taken by another product (or category). */
export class DuplicateError extends Error {
  override name = 'DuplicateError';
}
/** The caller's version is not the current one: someone else changed the product meanwhile. */
export class StaleVersionError extends Error {
  override name = 'StaleVersionError';
}
/** The request is well-formed but breaks a catalog rule (unknown category, a book without ISBN...). */
export class RuleViolationError extends Error {
  override name = 'RuleViolationError';
  constructor(readonly violations: string[]) {
    super(violations.join('; '));
  }
}
/** A list query that makes no sense (minPrice above maxPrice). */
export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError';
}
