// The storefront's client of the Mercato API: @mercato/sdk (types and calls generated from the
// gateway's OpenAPI document, refresh, retries, Idempotency-Key, problem+json as ProblemError), with
// the tokens kept in this browser's server-side session, and a fetch that
//   - bounds every call (API_TIMEOUT_MS) and turns "no answer" into a 503 problem (a page then says
//     "try again" instead of failing on a network error);
//   - makes one refresh per refresh token in this process: two requests of one browser at the same
//     moment (a page and a download) each have their own SDK client, and a rotated refresh token
//     sent twice would revoke the whole family.
import { createMercato, type Mercato, ProblemError, type TokenStore, type Tokens } from '@mercato/sdk';

export { ProblemError as ApiError, unwrap } from '@mercato/sdk';
export type { Mercato, Tokens };

interface Answer {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
}
const refreshes = new Map<string, Promise<Answer>>();
// Kept a little while, so that a request that read the session before the new pair was saved gets
// the same pair instead of replaying the rotated token.
const REFRESH_MEMORY_MS = 30_000;

function unavailable(detail: string): Response {
  return new Response(
    JSON.stringify({
      type: 'https://mercato.dev/problems/service-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail,
    }),
    { status: 503, headers: { 'content-type': 'application/problem+json' } },
  );
}

export function apiFetch(timeoutMs: number, opts: { refresh?: boolean } = {}) {
  const send = async (request: Request): Promise<Response> => {
    try {
      return await fetch(request, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    } catch (err) {
      return unavailable(`The API did not answer (${String(err)})`);
    }
  };
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request && !init ? input : new Request(input, init);
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/auth/refresh') return send(request);
    // The live order stream never refreshes (it tells the page to reload; that request refreshes).
    if (opts.refresh === false) return unavailable('no refresh here');
    const body = await request.clone().text();
    let pending = refreshes.get(body);
    if (!pending) {
      pending = send(request).then(async (res) => ({
        status: res.status,
        headers: [...res.headers.entries()],
        body: await res.arrayBuffer(),
      }));
      refreshes.set(body, pending);
      setTimeout(() => refreshes.delete(body), REFRESH_MEMORY_MS).unref();
    }
    const answer = await pending;
    return new Response(answer.body.slice(0), { status: answer.status, headers: answer.headers });
  };
}

export function mercatoClient(
  baseUrl: string,
  timeoutMs: number,
  tokens: TokenStore,
  opts: { refresh?: boolean; onSessionEnd?: () => void } = {},
): Mercato {
  return createMercato({
    baseUrl,
    tokens,
    fetch: apiFetch(timeoutMs, opts),
    // A page waits at most a couple of seconds for a 429/503 to pass; then it says "try again".
    retry: { retries: 1, baseDelayMs: 200, maxDelayMs: 2_000 },
    onSessionEnd: opts.onSessionEnd,
  });
}

/** A problem the visitor can act on (4xx), as opposed to the shop failing (5xx, no answer). */
export function isClientProblem(err: unknown, ...statuses: number[]): err is ProblemError {
  return err instanceof ProblemError && (statuses.length ? statuses.includes(err.status) : err.status < 500);
}
