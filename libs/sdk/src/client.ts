import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './generated/openapi.ts';
import { IDEMPOTENT_OPERATIONS } from './generated/operations.ts';
import { ProblemError, retryAfterMs } from './problems.ts';
import { MemoryTokenStore, type TokenResponse, type TokenStore, type Tokens, tokensFrom } from './tokens.ts';

export interface RetryOptions {
  /** Further attempts after a 429, or a 503 of a request that is safe to repeat (default 2). */
  retries?: number;
  /** Wait when the answer has no Retry-After: base × 2^attempt (default 250 ms). */
  baseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the error goes to the caller (default 30 s). */
  maxDelayMs?: number;
}

export interface MercatoOptions {
  /** The gateway's origin (`http://localhost:8080`); '' in a browser page served by the gateway. */
  baseUrl: string;
  /** Where the tokens live (default: memory). The CLI passes a file store. */
  tokens?: TokenStore;
  /** The fetch to call (default globalThis.fetch): tests count requests through it. */
  fetch?: typeof globalThis.fetch;
  /** Headers sent on every request. */
  headers?: Record<string, string>;
  /** Passed to fetch (`'include'` for a cookie session through a same-site proxy). */
  credentials?: RequestInit['credentials'];
  retry?: RetryOptions;
  /** Refresh this long before the access token's expiry, instead of waiting for a 401 (default 5 s). */
  refreshSkewMs?: number;
  /** Non-2xx answers reject with ProblemError (default). false: openapi-fetch's `{ error }` instead. */
  throwOnError?: boolean;
  /** Called once the session is over: logout, or a refresh token the server refused. */
  onSessionEnd?: (reason: 'logout' | 'refresh-rejected') => void;
  /** The clock (tests). */
  now?: () => number;
}

export interface RegisterBody {
  email: string;
  username: string;
  password: string;
  name?: string;
}

export interface Mercato {
  /** The typed openapi-fetch client: `api.GET('/orders/{id}', { params: { path: { id } } })`. */
  api: Client<paths>;
  auth: {
    /** Signs in and keeps the tokens in the store. Wrong credentials: ProblemError 401. */
    login(email: string, password: string): Promise<Tokens>;
    /** Creates an account (does not sign in). 201 with the user, or 202 (answer alike for taken e-mails). */
    register(body: RegisterBody): Promise<void>;
    /** Ends the session on the server (access token and refresh family) and forgets the tokens. */
    logout(): Promise<void>;
    /** Rotates the tokens now (shared with any refresh already running). undefined: signed out. */
    refresh(): Promise<Tokens | undefined>;
    tokens(): Promise<Tokens | undefined>;
    setTokens(tokens: Tokens | undefined): Promise<void>;
  };
  /** Counters for tests and diagnostics. */
  readonly stats: { refreshes: number; retries: number };
}

/** Paths that never carry the bearer token and never trigger a refresh. */
const NO_AUTH = new Set(['/auth/login', '/auth/register', '/auth/refresh']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const IDEMPOTENT = new Set(IDEMPOTENT_OPERATIONS);

/** A v4 UUID from getRandomValues (randomUUID needs a secure context in browsers). */
export function newIdempotencyKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createMercato(options: MercatoOptions): Mercato {
  const store = options.tokens ?? new MemoryTokenStore();
  const baseFetch = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  const now = options.now ?? Date.now;
  const skew = options.refreshSkewMs ?? 5_000;
  const retries = options.retry?.retries ?? 2;
  const baseDelay = options.retry?.baseDelayMs ?? 250;
  const maxDelay = options.retry?.maxDelayMs ?? 30_000;
  const throwOnError = options.throwOnError ?? true;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const stats = { refreshes: 0, retries: 0 };

  // ---- the session: one refresh at a time, rotation honoured ----
  let refreshing: Promise<Tokens | undefined> | undefined;

  const endSession = async (reason: 'logout' | 'refresh-rejected') => {
    await store.set(undefined);
    options.onSessionEnd?.(reason);
  };

  /**
   * Rotates the refresh token. Every caller that finds the access token expired or refused shares the
   * one refresh in flight. `stale` is the access token the caller saw: when the store already holds a
   * newer one (a refresh finished meanwhile, here or in another process sharing the store), that one
   * is used and no refresh is made, so a rotated refresh token is never sent twice.
   */
  const refresh = (stale?: string): Promise<Tokens | undefined> => {
    refreshing ??= (async () => {
      const current = await store.get();
      if (!current) return undefined;
      if (stale !== undefined && current.accessToken !== stale && current.accessExpiresAt - skew > now()) {
        return current;
      }
      stats.refreshes += 1;
      const response = await baseFetch(
        new Request(`${baseUrl}/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: JSON.stringify({ refreshToken: current.refreshToken }),
          credentials: options.credentials,
        }),
      );
      if (response.ok) {
        const tokens = tokensFrom((await response.json()) as TokenResponse, now());
        await store.set(tokens);
        return tokens;
      }
      if (response.status === 401 || response.status === 400) {
        // Another process sharing the store may have rotated it first: use what it stored.
        const again = await store.get();
        if (again && again.refreshToken !== current.refreshToken) return again;
        await endSession('refresh-rejected');
        return undefined;
      }
      // 429, 503, …: the session is not over; the caller gets the error.
      throw await ProblemError.fromResponse(response, { method: 'POST', url: `${baseUrl}/auth/refresh` });
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  /** The access token to send now: refreshed first when it has expired (or is about to). */
  const currentAccessToken = async (): Promise<string | undefined> => {
    const tokens = await store.get();
    if (!tokens) return undefined;
    if (tokens.accessExpiresAt - skew > now()) return tokens.accessToken;
    if (tokens.refreshExpiresAt <= now()) {
      await endSession('refresh-rejected');
      return undefined;
    }
    return (await refresh(tokens.accessToken))?.accessToken;
  };

  // ---- one middleware: auth header, idempotency key, retries, refresh on 401, typed errors ----
  const pending = new Map<string, { copy: Request; token?: string }>();

  const resend = (copy: Request, token?: string): Promise<Response> => {
    const again = copy.clone();
    if (token) again.headers.set('authorization', `Bearer ${token}`);
    return baseFetch(again);
  };

  const middleware: Middleware = {
    async onRequest({ request, schemaPath, id }) {
      const method = request.method.toUpperCase();
      if (IDEMPOTENT.has(`${method} ${schemaPath}`) && !request.headers.has('idempotency-key')) {
        request.headers.set('idempotency-key', newIdempotencyKey());
      }
      let token: string | undefined;
      if (!NO_AUTH.has(schemaPath) && !request.headers.has('authorization')) {
        token = await currentAccessToken();
        if (token) request.headers.set('authorization', `Bearer ${token}`);
      }
      pending.set(id, { copy: request.clone(), token });
      return request;
    },
    async onResponse({ request, response, schemaPath, id }) {
      const sent = pending.get(id);
      pending.delete(id);
      let res = response;
      if (sent) {
        const method = request.method.toUpperCase();
        const repeatable = SAFE_METHODS.has(method) || sent.copy.headers.has('idempotency-key');
        let token = sent.token;
        let refreshed = false;
        for (let attempt = 0; ; ) {
          if (res.status === 401 && token && !refreshed && !NO_AUTH.has(schemaPath)) {
            refreshed = true;
            const tokens = await refresh(token);
            if (!tokens) break;
            token = tokens.accessToken;
            await res.body?.cancel();
            res = await resend(sent.copy, token);
            continue;
          }
          if ((res.status === 429 || (res.status === 503 && repeatable)) && attempt < retries) {
            const wait = retryAfterMs(res) ?? baseDelay * 2 ** attempt;
            if (wait > maxDelay) break;
            attempt += 1;
            stats.retries += 1;
            await res.body?.cancel();
            await sleep(wait);
            res = await resend(sent.copy, token);
            continue;
          }
          break;
        }
      }
      if (!res.ok && throwOnError) {
        throw await ProblemError.fromResponse(res, { method: request.method, url: request.url });
      }
      return res;
    },
    async onError({ id }) {
      pending.delete(id);
    },
  };

  const api = createClient<paths>({
    baseUrl,
    fetch: baseFetch,
    headers: options.headers,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  api.use(middleware);

  return {
    api,
    stats,
    auth: {
      async login(email, password) {
        const { data } = await api.POST('/auth/login', { body: { email, password } });
        if (!data) throw new Error('login: no tokens in the answer');
        const tokens = tokensFrom(data, now());
        await store.set(tokens);
        return tokens;
      },
      async register(body) {
        await api.POST('/auth/register', { body });
      },
      async logout() {
        try {
          if (await store.get()) await api.POST('/auth/logout');
        } catch (err) {
          // Already over on the server (401): forgetting the tokens is all that is left to do.
          if (!(err instanceof ProblemError && err.status === 401)) throw err;
        } finally {
          await endSession('logout');
        }
      },
      async refresh() {
        return refresh();
      },
      async tokens() {
        return store.get();
      },
      async setTokens(tokens) {
        await store.set(tokens);
      },
    },
  };
}

/**
 * The data of a successful call (the SDK throws ProblemError otherwise):
 * `const order = await unwrap(mercato.api.GET('/orders/{id}', { params: { path: { id } } }))`.
 */
export async function unwrap<T extends { response: Response }>(
  call: Promise<T>,
): Promise<Extract<T, { data: unknown }>['data']> {
  const result = (await call) as T & { data?: unknown; error?: unknown };
  if (result.error !== undefined || !result.response.ok) {
    throw await problemOf(result);
  }
  return result.data as Extract<T, { data: unknown }>['data'];
}

async function problemOf(result: { response: Response; error?: unknown }): Promise<ProblemError> {
  const { response } = result;
  const error = result.error as any;
  const request = { method: '', url: response.url };
  if (error && typeof error === 'object' && typeof error.type === 'string')
    return new ProblemError(error, request);
  return new ProblemError(
    {
      type: 'about:blank',
      title: response.statusText || `HTTP ${response.status}`,
      status: response.status,
      detail: typeof error === 'string' && error ? error.slice(0, 500) : `HTTP ${response.status}`,
    },
    request,
  );
}
