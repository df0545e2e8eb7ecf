// Calling another service's public HTTP API, where a synchronous answer is unavoidable (cart → orders
// at checkout, orders → identity for the shipping address). One way for every service: a deadline
// per attempt, retries only where repeating the request cannot do a second thing, the caller's
// identity carried through (its bearer token), the trace carried by the undici instrumentation, and
// every failure of the other side turned into a problem the caller can answer with.
import { HttpProblem } from './problems.ts';

export interface ServiceClientOptions {
  /** the other service's name, for problems and logs ('orders') */
  service: string;
  /** its origin, without a trailing slash ('http://127.0.0.1:3005') */
  baseUrl: string;
  /** deadline of one attempt, default 5 s */
  timeoutMs?: number;
  /** further attempts where safe, default 2 */
  retries?: number;
  /** pause before the first retry, doubled each time (with jitter), default 100 ms */
  retryDelayMs?: number;
}

export interface ServiceRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** path and query, starting with '/' */
  path: string;
  /** the caller's Authorization header, to act as the caller */
  authorization?: string;
  /** makes a POST or PATCH safe to repeat (the other side answers a repeat with the first answer) */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ServiceResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** parsed JSON, or undefined for an empty or non-JSON body */
  body: T;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
/** Answers that say "not now" without having done anything (or having done it idempotently). */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

export class ServiceClient {
  readonly service: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(opts: ServiceClientOptions) {
    this.service = opts.service;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.retries = opts.retries ?? 2;
    this.retryDelayMs = opts.retryDelayMs ?? 100;
  }

  /**
   * Sends the request and answers whatever status the other service gave (2xx and 4xx alike: the
   * caller decides what a 404 or 422 means to it). A request that may be repeated (GET, HEAD, PUT,
   * DELETE, or one carrying an Idempotency-Key) is tried again after a network failure, a timeout or
   * a 502/503/504; any other is sent once. When no answer comes (unreachable, timed out, or still
   * 502/503/504 after the retries) it throws a 503 problem (`upstream-unavailable`) naming the service.
   */
  async request<T = unknown>(req: ServiceRequest): Promise<ServiceResponse<T>> {
    const repeatable = SAFE_METHODS.has(req.method) || req.idempotencyKey !== undefined;
    const attempts = repeatable ? this.retries + 1 : 1;
    let lastFailure = 'no attempt';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await pause(this.retryDelayMs * 2 ** (attempt - 2));
      try {
        const res = await fetch(this.baseUrl + req.path, {
          method: req.method,
          headers: this.headersOf(req),
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const body = (await readJson(res)) as T;
        if (RETRYABLE_STATUSES.has(res.status) && attempt < attempts) {
          lastFailure = `answered ${res.status}`;
          continue;
        }
        if (RETRYABLE_STATUSES.has(res.status)) throw this.unavailable(`answered ${res.status}`);
        return { status: res.status, headers: res.headers, body };
      } catch (err) {
        if (err instanceof HttpProblem) throw err;
        lastFailure = describeFailure(err, this.timeoutMs);
      }
    }
    throw this.unavailable(lastFailure);
  }

  private headersOf(req: ServiceRequest): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (req.authorization) headers.authorization = req.authorization;
    if (req.idempotencyKey !== undefined) headers['idempotency-key'] = req.idempotencyKey;
    return headers;
  }

  private unavailable(why: string): HttpProblem {
    return new HttpProblem({
      status: 503,
      slug: 'upstream-unavailable',
      title: 'A service this request needs is unavailable',
      detail: `The ${this.service} service did not answer (${why}); nothing was changed here, try again shortly`,
      extensions: { service: this.service, retryAfter: 5 },
      headers: { 'retry-after': '5' },
    });
  }
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms * (0.75 + Math.random() / 2)));
