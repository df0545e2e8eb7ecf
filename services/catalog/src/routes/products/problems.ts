import { problems } from '@mercato/kit';
import {
  DuplicateError,
  InvalidQueryError,
  NotFoundError,
  RuleViolationError,
  StaleVersionError,
} from '../../domain/errors.ts';

/** Catalog errors as problems; anything else is rethrown untouched (the kit turns it into a 500). */
export function toProblem(err: unknown): unknown {
  if (err instanceof NotFoundError) return problems.notFound(err.message);
  if (err instanceof DuplicateError) return problems.conflict(err.message);
  if (err instanceof StaleVersionError) return problems.preconditionFailed(err.message);
  if (err instanceof RuleViolationError) {
    return problems.unprocessable(err.message, { violations: err.violations });
  }
  if (err instanceof InvalidQueryError) return problems.badRequest(err.message);
  return err;
}
