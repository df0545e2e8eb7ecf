import { HttpProblem } from './problems.ts';

/**
 * The backstop behind validation: PostgreSQL refusing a value the request carried is the client's
 * error, not a bug in the service. SQLSTATE class 22 is "data exception" (22P02 invalid text
 * representation, 22003 numeric value out of range, 22001 string too long, 22021 invalid byte
 * sequence, 22P05 untranslatable character, 22007/22008 bad date/time, 22012 division by zero …);
 * 54000 is "program limit exceeded" (e.g. a value too large for an index row). Nothing was stored:
 * the statement, and with it its transaction, failed.
 *
 * The SQLSTATE is `code` on pg's errors and on MikroORM's DriverException (which copies it); no Node
 * system error code starts with "22" or equals "54000".
 */
export function isDataException(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (code.startsWith('22') || code === '54000');
}

function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error, hops = 0; e && hops < 3; e = (e as { cause?: unknown }).cause, hops++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** The 400 a data exception answers with: what kind of value, never the database's message. */
export function dataExceptionProblem(error: unknown): HttpProblem {
  const code = sqlState(error) ?? '22000';
  return new HttpProblem({
    status: 400,
    slug: 'unstorable-value',
    title: 'Bad Request',
    detail: `A value in the request cannot be stored (${DESCRIPTIONS[code] ?? 'invalid data'})`,
  });
}

const DESCRIPTIONS: Record<string, string> = {
  '22001': 'a string is too long',
  '22003': 'a number is out of range',
  '22007': 'an invalid date or time',
  '22008': 'a date or time out of range',
  '22012': 'division by zero',
  '22021': 'an invalid byte sequence',
  '22P02': 'an invalid value for its type',
  '22P05': 'an untranslatable character',
  '54000': 'a value is too large',
};
