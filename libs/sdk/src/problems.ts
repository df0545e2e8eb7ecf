import type { components } from './generated/openapi.ts';

/** The body of every error the API answers (RFC 9457, `application/problem+json`). */
export type Problem = components['schemas']['Problem'];

/** Where every problem `type` of the API starts; the rest is a stable slug (`not-found`, `conflict` …). */
export const PROBLEM_BASE = 'https://mercato.dev/problems/';

/**
 * An answer that was not a success, after the SDK's own retries and token refresh. `status`, `type`,
 * `slug`, `detail` and the validation `errors` come from the problem+json body (or are made up from
 * the status line when the body was something else).
 */
export class ProblemError extends Error {
  readonly status: number;
  /** The problem type URI (`https://mercato.dev/problems/not-found`). */
  readonly type: string;
  /** The last part of the type: what code switches on (`not-found`, `precondition-failed`, …). */
  readonly slug: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: { path: string; message: string }[];
  readonly requestId?: string;
  /** Seconds the server asked to wait (429, 503), when it said. */
  readonly retryAfter?: number;
  readonly problem: Problem;
  readonly method: string;
  readonly url: string;

  constructor(problem: Problem, request: { method: string; url: string }, retryAfter?: number) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
    this.name = 'ProblemError';
    this.problem = problem;
    this.status = problem.status;
    this.type = problem.type;
    this.slug = problem.type.startsWith(PROBLEM_BASE)
      ? problem.type.slice(PROBLEM_BASE.length)
      : problem.type.replace(/^.*\//, '');
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.requestId = problem.requestId;
    this.retryAfter = retryAfter;
    this.method = request.method;
    this.url = request.url;
  }

  /** True when this is the problem with that slug (`err.is('not-found')`). */
  is(slug: string): boolean {
    return this.slug === slug;
  }

  /** Builds the error from a non-2xx response (reads its body). */
  static async fromResponse(
    response: Response,
    request: { method: string; url: string },
  ): Promise<ProblemError> {
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {}
    const retryAfter = retryAfterMs(response);
    const problem: Problem = isProblem(body)
      ? body
      : {
          type: 'about:blank',
          title: response.statusText || `HTTP ${response.status}`,
          status: response.status,
          detail: text.slice(0, 500) || response.statusText || `HTTP ${response.status}`,
        };
    return new ProblemError(
      problem,
      request,
      retryAfter === undefined ? undefined : Math.ceil(retryAfter / 1000),
    );
  }
}

export function isProblem(body: unknown): body is Problem {
  const b = body as Partial<Problem> | undefined;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.type === 'string' &&
    typeof b.status === 'number' &&
    typeof b.title === 'string'
  );
}

/** `err` is a ProblemError (optionally with that slug or status). */
export function isProblemError(err: unknown, which?: string | number): err is ProblemError {
  if (!(err instanceof ProblemError)) return false;
  if (which === undefined) return true;
  return typeof which === 'number' ? err.status === which : err.slug === which;
}

/** Retry-After (seconds or an HTTP date) in milliseconds, or undefined when absent or unreadable. */
export function retryAfterMs(response: Response, now = Date.now()): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
