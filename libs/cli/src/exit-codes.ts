import { ProblemError } from '@mercato/sdk';

/** What `mercato` exits with: scripts can rely on these (README "Exit codes"). */
export const EXIT = {
  OK: 0,
  /** Anything else: a server error (5xx other than 502-504), a bug. */
  FAILURE: 1,
  /** Bad input: unknown command or option, a missing or malformed argument, a 400 from the API. */
  USAGE: 2,
  /** Not signed in, or the session is over (401): run `mercato login`. */
  AUTH: 3,
  /** Signed in but not allowed (403): an admin command as a customer. */
  FORBIDDEN: 4,
  /** The thing named does not exist (404). */
  NOT_FOUND: 5,
  /** Conflict or stale version (409, 412): read again and retry. */
  CONFLICT: 6,
  /** A business rule said no (422): out of stock, card declined, … */
  REJECTED: 7,
  /** The API could not be reached or is overloaded (connection refused, 429 after retries, 502-504). */
  UNAVAILABLE: 8,
  /** Done, but not all of it: rows of `products import` failed; `orders watch` timed out. */
  PARTIAL: 9,
} as const;

/** A failure the CLI itself detects (bad arguments, no session), with the exit code it means. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function exitCodeForStatus(status: number): number {
  if (status === 400 || status === 413 || status === 415) return EXIT.USAGE;
  if (status === 401) return EXIT.AUTH;
  if (status === 403) return EXIT.FORBIDDEN;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 409 || status === 412) return EXIT.CONFLICT;
  if (status === 422) return EXIT.REJECTED;
  if (status === 429 || status === 502 || status === 503 || status === 504) return EXIT.UNAVAILABLE;
  return EXIT.FAILURE;
}

/** Connection refused, DNS failure, reset: fetch's TypeError with a cause. */
export function isNetworkError(err: unknown): boolean {
  return err instanceof TypeError && /fetch failed|network/i.test(err.message);
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof ProblemError) return exitCodeForStatus(err.status);
  if (isNetworkError(err)) return EXIT.UNAVAILABLE;
  return EXIT.FAILURE;
}
