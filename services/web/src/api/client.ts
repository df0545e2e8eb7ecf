// The storefront's client of the Mercato API: @mercato/sdk (types and calls generated from the
// gateway's OpenAPI document, refresh, retries, Idempotency-Key, problem+json as ProblemError), with
// the tokens kept in this browser's server-side session, and a fetch that
//   - bounds every call (API_TIMEOUT_MS) and turns "no answer" into a 503 problem (a page then says
//     "try again" instead of failing on a network error);
//   - says whom the call is for: the visitor's address in X-Forwarded-For, so that the gateway (which
//     believes it from the storefront only: its TRUSTED_PROXIES) counts each visitor's own rate limit
//     instead of one budget for everyone behind this replica;
//   - makes one refresh per refresh token across every replica (refresh.ts): two requests of one
//     browser at the same moment each have their own SDK client, maybe on two replicas, and a rotated
//     refresh token sent twice would revoke the whole login.
import { createMercato, type Mercato, ProblemError, type TokenStore, type Tokens } from '@mercato/sdk';
import { type Answer, type SharedRefresh, unavailableAnswer } from './refresh.ts';

export { ProblemError as ApiError, unwrap } from '@mercato/sdk';
export type { Mercato, Tokens };

function toResponse(answer: Answer): Response {
  return new Response(answer.body || null, { status: answer.status, headers: answer.headers });
}

// The body is kept decoded: its original length and encoding no longer describe it.
const STALE_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding']);

export interface ApiFetchOptions {
  /** false: a refresh is never sent from here (the live order stream asks the page to reload instead). */
  refresh?: boolean;
  /** Where refreshes are made single-flight (required unless `refresh` is false). */
  refreshes?: SharedRefresh;
}

export function apiFetch(timeoutMs: number, opts: ApiFetchOptions = {}) {
  const send = async (request: Request): Promise<Response> => {
    try {
      return await fetch(request, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    } catch (err) {
      return toResponse(unavailableAnswer(`The API did not answer (${String(err)})`));
    }
  };
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request && !init ? input : new Request(input, init);
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/auth/refresh') return send(request);
    // The live order stream never refreshes (it tells the page to reload; that request refreshes).
    if (opts.refresh === false || !opts.refreshes) return toResponse(unavailableAnswer('no refresh here'));
    const body = await request.clone().text();
    const answer = await opts.refreshes.run(body, async () => {
      const res = await send(request);
      const headers = [...res.headers.entries()].filter(([name]) => !STALE_HEADERS.has(name));
      return { status: res.status, headers, body: await res.text() };
    });
    return toResponse(answer);
  };
}

export function mercatoClient(
  baseUrl: string,
  timeoutMs: number,
  tokens: TokenStore,
  opts: ApiFetchOptions & {
    onSessionEnd?: () => void;
    /** The visitor's address (X-Forwarded-For), for the gateway's per-client rate limit. */
    clientAddress?: string;
  } = {},
): Mercato {
  return createMercato({
    baseUrl,
    tokens,
    fetch: apiFetch(timeoutMs, opts),
    ...(opts.clientAddress ? { headers: { 'x-forwarded-for': opts.clientAddress } } : {}),
    // A page waits at most a couple of seconds for a 429/503 to pass; then it says "try again".
    retry: { retries: 1, baseDelayMs: 200, maxDelayMs: 2_000 },
    onSessionEnd: opts.onSessionEnd,
  });
}

/** A problem the visitor can act on (4xx), as opposed to the shop failing (5xx, no answer). */
export function isClientProblem(err: unknown, ...statuses: number[]): err is ProblemError {
  return err instanceof ProblemError && (statuses.length ? statuses.includes(err.status) : err.status < 500);
}
