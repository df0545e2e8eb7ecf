// Retries on 429/503 honouring Retry-After, problem bodies as ProblemError, against a small HTTP
// server of the test's own that answers what each case needs (the real gateway's 429 is slow to
// provoke without hammering it; session.test.ts covers the real system).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createMercato, isProblemError, ProblemError } from '../src/index.ts';

type Script = (
  req: http.IncomingMessage,
  body: string,
) => { status: number; headers?: Record<string, string>; body?: unknown };
let script: Script = () => ({ status: 200, body: {} });
const seen: { method: string; url: string; at: number; headers: http.IncomingHttpHeaders; body: string }[] =
  [];

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', at: Date.now(), headers: req.headers, body });
    const answer = script(req, body);
    const problem = answer.status >= 400;
    res.writeHead(answer.status, {
      'content-type': problem ? 'application/problem+json' : 'application/json',
      ...answer.headers,
    });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const problem = (status: number, slug: string) => ({
  type: `https://mercato.dev/problems/${slug}`,
  title: slug,
  status,
  detail: `a ${slug}`,
  requestId: 'req-1',
});

/** Answers the first `n` requests with `first`, the rest with 200. */
function failFirst(n: number, first: ReturnType<Script>): Script {
  let count = 0;
  return () => (count++ < n ? first : { status: 200, body: { items: [], page: 1, pageSize: 20, total: 0 } });
}

t.beforeEach(() => {
  seen.length = 0;
});

t.test('429 with Retry-After: waits that long, then succeeds', async (t) => {
  script = failFirst(1, {
    status: 429,
    headers: { 'retry-after': '1' },
    body: problem(429, 'too-many-requests'),
  });
  const mercato = createMercato({ baseUrl });
  const { response } = await mercato.api.GET('/products');
  t.equal(response.status, 200);
  t.equal(seen.length, 2, 'sent twice');
  t.ok(seen[1].at - seen[0].at >= 950, `waited ${seen[1].at - seen[0].at} ms`);
  t.equal(mercato.stats.retries, 1);
});

t.test('Retry-After as an HTTP date', async (t) => {
  script = failFirst(1, {
    status: 503,
    headers: { 'retry-after': new Date(Date.now() + 1500).toUTCString() },
    body: problem(503, 'service-unavailable'),
  });
  const { response } = await createMercato({ baseUrl }).api.GET('/products');
  t.equal(response.status, 200);
  t.ok(seen[1].at - seen[0].at >= 400, `waited ${seen[1].at - seen[0].at} ms`);
});

t.test('gives up after `retries` and throws the last problem', async (t) => {
  script = () => ({ status: 429, headers: { 'retry-after': '0' }, body: problem(429, 'too-many-requests') });
  const err = await createMercato({ baseUrl, retry: { retries: 2 } })
    .api.GET('/products')
    .catch((e) => e);
  t.ok(isProblemError(err, 'too-many-requests'));
  t.equal(err.retryAfter, 0);
  t.equal(seen.length, 3, 'one call and two retries');
});

t.test('a Retry-After longer than maxDelayMs is not waited for', async (t) => {
  script = () => ({
    status: 429,
    headers: { 'retry-after': '120' },
    body: problem(429, 'too-many-requests'),
  });
  const started = Date.now();
  const err = await createMercato({ baseUrl, retry: { maxDelayMs: 5_000 } })
    .api.GET('/products')
    .catch((e) => e);
  t.ok(err instanceof ProblemError);
  t.equal(err.retryAfter, 120, 'the wait is on the error');
  t.ok(Date.now() - started < 1_000, 'answered at once');
  t.equal(seen.length, 1);
});

t.test(
  '503: a POST without an Idempotency-Key is not repeated; one with a key is, with the same key',
  async (t) => {
    script = failFirst(1, {
      status: 503,
      headers: { 'retry-after': '0' },
      body: problem(503, 'service-unavailable'),
    });
    const mercato = createMercato({ baseUrl });
    const err = await mercato.api
      .POST('/products/categories', { body: { slug: 'x', name: 'X' } })
      .catch((e) => e);
    t.ok(isProblemError(err, 503), 'the 503 reaches the caller');
    t.equal(seen.length, 1, 'not repeated');

    seen.length = 0;
    script = failFirst(1, {
      status: 503,
      headers: { 'retry-after': '0' },
      body: problem(503, 'service-unavailable'),
    });
    const body = {
      shippingAddressId: '01900000-0000-7000-8000-000000000001',
      paymentMethod: { type: 'card' as const, token: 'tok_visa' },
      lines: [{ productId: '01900000-0000-7000-8000-000000000002', quantity: 1 }],
    };
    await mercato.api.POST('/orders', { body });
    t.equal(seen.length, 2, 'repeated');
    t.ok(seen[0].headers['idempotency-key'], 'a key');
    t.equal(seen[1].headers['idempotency-key'], seen[0].headers['idempotency-key'], 'the same key');
    t.equal(seen[1].body, seen[0].body, 'the same body');
    t.same(JSON.parse(seen[1].body), body);
  },
);

t.test('a body that is not problem+json still becomes a ProblemError', async (t) => {
  script = () => ({ status: 502, headers: { 'content-type': 'text/plain' }, body: 'bad gateway' });
  const err = await createMercato({ baseUrl })
    .api.GET('/products')
    .catch((e) => e);
  t.ok(err instanceof ProblemError);
  t.equal(err.status, 502);
  t.equal(err.type, 'about:blank');
});

t.test('a refresh answered 503 keeps the session and surfaces the error', async (t) => {
  script = (req) =>
    req.url === '/auth/refresh'
      ? { status: 503, headers: { 'retry-after': '0' }, body: problem(503, 'service-unavailable') }
      : { status: 200, body: {} };
  const ended: string[] = [];
  const mercato = createMercato({ baseUrl, onSessionEnd: (r) => ended.push(r) });
  const tokens = {
    accessToken: 'a',
    refreshToken: 'r',
    accessExpiresAt: 0,
    refreshExpiresAt: Date.now() + 60_000,
  };
  await mercato.auth.setTokens(tokens);
  const err = await mercato.api.GET('/auth/me').catch((e) => e);
  t.ok(isProblemError(err, 503));
  t.same(await mercato.auth.tokens(), tokens, 'tokens kept');
  t.same(ended, []);
});

t.test('a refresh made by another process sharing the store is used, not repeated', async (t) => {
  let stored = {
    accessToken: 'old',
    refreshToken: 'r1',
    accessExpiresAt: 0,
    refreshExpiresAt: Date.now() + 60_000,
  };
  // The store of another process: by the time this one refreshes, the other one already has.
  const store = {
    get: () => stored,
    set: (v: any) => {
      stored = v;
    },
  };
  script = (req) => {
    if (req.url === '/auth/refresh') {
      // The other process rotated r1 a moment ago: identity refuses it, and the store has r2.
      stored = {
        accessToken: 'new',
        refreshToken: 'r2',
        accessExpiresAt: Date.now() + 60_000,
        refreshExpiresAt: Date.now() + 60_000,
      };
      return { status: 401, body: problem(401, 'unauthorized') };
    }
    return req.headers.authorization === 'Bearer new'
      ? { status: 200, body: {} }
      : { status: 401, body: problem(401, 'unauthorized') };
  };
  const mercato = createMercato({ baseUrl, tokens: store });
  const { response } = await mercato.api.GET('/auth/me');
  t.equal(response.status, 200, 'answered with the token the other process stored');
  t.equal(stored.refreshToken, 'r2', 'the session survives');
});
