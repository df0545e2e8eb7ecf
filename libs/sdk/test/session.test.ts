// The SDK against the real system behind its gateway: login, refresh under concurrency (proactive
// and on 401), rotation, logout, typed problems, Idempotency-Key, ETag/If-Match.
// Identity issues 2-second access tokens here so that they really expire during the test.
import t from 'tap';
import { adminClient, stockedProduct } from '../../../test/support/client.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startSystem } from '../../../test/support/system.ts';
import {
  createMercato,
  ifMatch,
  isProblemError,
  type Mercato,
  ProblemError,
  type Tokens,
  unwrap,
  withETag,
} from '../src/index.ts';

const TTL_MS = 2_000;
const system = await startSystem({ env: { identity: { ACCESS_TOKEN_TTL_SECONDS: String(TTL_MS / 1000) } } });
t.teardown(() => system.stop());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fetch that records every request it sends (method, path, headers). */
function recordingFetch() {
  const sent: { method: string; path: string; headers: Headers; status?: number }[] = [];
  const fetchFn = async (input: Request) => {
    const entry = {
      method: input.method,
      path: new URL(input.url).pathname,
      headers: new Headers(input.headers),
    };
    sent.push(entry);
    const res = await fetch(input);
    Object.assign(entry, { status: res.status });
    return res;
  };
  return { sent, fetch: fetchFn as typeof globalThis.fetch };
}

/** A new customer signed in through the SDK, with a default address. */
async function sdkCustomer(mercato: Mercato) {
  const tag = Math.random().toString(36).slice(2, 10);
  const email = `sdk_${tag}@mercato.test`;
  const password = `Pw-${tag}-long-enough`;
  await mercato.auth.register({ email, username: `sdk_${tag}`, password });
  await mercato.auth.login(email, password);
  const address = await unwrap(
    mercato.api.POST('/addresses', {
      body: { street: '1 Market Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
    }),
  );
  return { email, addressId: address.id };
}

t.test('ten concurrent calls with an expired access token cause one refresh', async (t) => {
  const { sent, fetch } = recordingFetch();
  const mercato = createMercato({ baseUrl: system.gatewayUrl, fetch, refreshSkewMs: 0 });
  const admin = await mercato.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  await sleep(TTL_MS + 300);
  const results = await Promise.all(Array.from({ length: 10 }, () => unwrap(mercato.api.GET('/auth/me'))));
  t.equal(results.filter((me) => me.email === ADMIN_EMAIL).length, 10, 'all ten answered');
  t.equal(sent.filter((r) => r.path === '/auth/refresh').length, 1, 'one refresh');
  t.equal(mercato.stats.refreshes, 1);
  const now = (await mercato.auth.tokens()) as Tokens;
  t.not(now.refreshToken, admin.refreshToken, 'the refresh token was rotated');
  t.not(now.accessToken, admin.accessToken);
  const meCalls = sent.filter((r) => r.path === '/auth/me');
  t.ok(
    meCalls.every((r) => r.headers.get('authorization') === `Bearer ${now.accessToken}`),
    'every call carried the new token',
  );
  t.equal(meCalls.length, 10, 'no call was sent with the expired token');
});

t.test('a 401 to ten concurrent calls (the client thought the token valid) causes one refresh', async (t) => {
  const { sent, fetch } = recordingFetch();
  // After login the client's clock falls a minute behind: it believes the expired token still good.
  let offset = 0;
  const mercato = createMercato({
    baseUrl: system.gatewayUrl,
    fetch,
    refreshSkewMs: 0,
    now: () => Date.now() + offset,
  });
  await mercato.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  offset = -60_000;
  await sleep(TTL_MS + 300);
  const results = await Promise.all(Array.from({ length: 10 }, () => unwrap(mercato.api.GET('/auth/me'))));
  t.equal(results.length, 10, 'all ten answered after the refresh');
  t.equal(sent.filter((r) => r.path === '/auth/me' && r.status === 401).length, 10, 'ten refused');
  t.equal(sent.filter((r) => r.path === '/auth/refresh').length, 1, 'one refresh');
  t.equal(sent.filter((r) => r.path === '/auth/me' && r.status === 200).length, 10, 'ten repeated');
});

t.test('rotation is honoured: the old refresh token is never sent again', async (t) => {
  const { sent, fetch } = recordingFetch();
  const mercato = createMercato({ baseUrl: system.gatewayUrl, fetch, refreshSkewMs: 0 });
  await mercato.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const seen = new Set<string>();
  for (let round = 0; round < 3; round++) {
    const before = (await mercato.auth.tokens()) as Tokens;
    t.notOk(seen.has(before.refreshToken), `round ${round}: a fresh refresh token`);
    seen.add(before.refreshToken);
    await sleep(TTL_MS + 200);
    await Promise.all([
      mercato.api.GET('/auth/me'),
      mercato.api.GET('/orders'),
      mercato.api.GET('/carts/me'),
    ]);
  }
  const refreshes = sent.filter((r) => r.path === '/auth/refresh');
  t.equal(refreshes.length, 3, 'one refresh per expiry');
  t.ok(
    refreshes.every((r) => r.status === 200),
    'each refresh accepted (a reused token would revoke the family)',
  );
});

t.test('a refresh token refused ends the session with a 401 ProblemError', async (t) => {
  const ended: string[] = [];
  const mercato = createMercato({
    baseUrl: system.gatewayUrl,
    refreshSkewMs: 0,
    onSessionEnd: (reason) => ended.push(reason),
  });
  const tokens = await mercato.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  await mercato.auth.setTokens({ ...tokens, refreshToken: 'not-a-token', accessExpiresAt: 0 });
  const err = await mercato.api.GET('/auth/me').catch((e) => e);
  t.ok(err instanceof ProblemError, 'a ProblemError');
  t.equal(err.status, 401);
  t.same(ended, ['refresh-rejected']);
  t.equal(await mercato.auth.tokens(), undefined, 'tokens forgotten');
});

t.test('logout ends the session on the server too', async (t) => {
  const mercato = createMercato({ baseUrl: system.gatewayUrl });
  const tokens = await mercato.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  await mercato.auth.logout();
  t.equal(await mercato.auth.tokens(), undefined);
  // The old access token and its refresh family no longer work.
  const other = createMercato({ baseUrl: system.gatewayUrl, retry: { retries: 0 } });
  await other.auth.setTokens(tokens);
  const err = await other.api.GET('/auth/me').catch((e) => e);
  t.ok(isProblemError(err, 401), `access token refused (${err})`);
  t.equal(await other.auth.tokens(), undefined, 'and its refresh token was refused as well');
});

t.test('problem+json becomes a typed ProblemError', async (t) => {
  const mercato = createMercato({ baseUrl: system.gatewayUrl });
  await mercato.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const notFound = await mercato.api
    .GET('/orders/{id}', { params: { path: { id: '01900000-0000-7000-8000-000000000000' } } })
    .catch((e) => e);
  t.ok(isProblemError(notFound, 'not-found'), 'not-found');
  t.equal(notFound.status, 404);
  t.match(notFound.type, /^https:\/\/mercato\.dev\/problems\/not-found$/);
  t.ok(notFound.requestId, 'carries the request id');
  const invalid = await mercato.api
    .GET('/orders/{id}', { params: { path: { id: 'not-a-uuid' } } })
    .catch((e) => e);
  t.equal(invalid.status, 400);
  t.ok(invalid.errors.length > 0, 'validation errors listed');
  const wrong = await mercato.auth.login(ADMIN_EMAIL, 'wrong-password-here').catch((e) => e);
  t.ok(isProblemError(wrong, 401), 'wrong password: 401');
  const raw = createMercato({ baseUrl: system.gatewayUrl, throwOnError: false });
  const { error, response } = await raw.api.GET('/orders/{id}', {
    params: { path: { id: '01900000-0000-7000-8000-000000000000' } },
  });
  t.equal(response.status, 401, 'throwOnError false: openapi-fetch result');
  t.equal((error as { status: number }).status, 401);
});

t.test('ETag and If-Match: a stale update is a 412', async (t) => {
  const mercato = createMercato({ baseUrl: system.gatewayUrl });
  await mercato.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const admin = await adminClient(system.gatewayUrl);
  const { productId } = await stockedProduct(admin, { onHand: 1 });
  const { data, etag } = await withETag(
    mercato.api.GET('/products/{id}', { params: { path: { id: productId } } }),
  );
  t.ok(etag, `an ETag (${etag})`);
  await unwrap(
    mercato.api.PATCH('/products/{id}', {
      params: { path: { id: productId }, header: ifMatch(etag) as { 'if-match': string } },
      body: { name: `${data.name} (2nd ed.)` },
    }),
  );
  const stale = await mercato.api
    .PATCH('/products/{id}', {
      params: { path: { id: productId }, header: ifMatch(etag) as { 'if-match': string } },
      body: { name: 'lost update' },
    })
    .catch((e) => e);
  t.ok(isProblemError(stale, 'precondition-failed'), `412 (${stale})`);
});

t.test('money-moving calls carry an Idempotency-Key; retries reuse it', async (t) => {
  const admin = await adminClient(system.gatewayUrl);
  const { productId } = await stockedProduct(admin, { onHand: 5 });
  const { sent, fetch } = recordingFetch();
  const mercato = createMercato({ baseUrl: system.gatewayUrl, fetch, refreshSkewMs: 500 });
  const c = await sdkCustomer(mercato);
  const body = {
    shippingAddressId: c.addressId,
    paymentMethod: { type: 'card' as const, token: 'tok_visa' },
    lines: [{ productId, quantity: 1 }],
  };
  const placed = await unwrap(mercato.api.POST('/orders', { body }));
  const key = sent.find((r) => r.path === '/orders' && r.method === 'POST')?.headers.get('idempotency-key');
  t.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a v4 UUID key');
  // The same key again (a retry after a lost answer) returns the same order.
  const again = await unwrap(
    mercato.api.POST('/orders', { body, params: { header: { 'idempotency-key': key as string } } }),
  );
  t.equal(again.id, placed.id, 'same key, same order');
  const gets = sent.filter((r) => r.method === 'GET');
  t.ok(
    gets.every((r) => !r.headers.has('idempotency-key')),
    'reads carry none',
  );
});
