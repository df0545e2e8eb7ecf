// Issue 16, test 5: bad input (unknown product, limit out of range, malformed ids and bodies) is a 4xx
// problem+json with a stable type.
import t from 'tap';
import { PROBLEM, setup } from './helpers.ts';

const TYPE = 'https://mercato.dev/problems/';

t.test('unknown product, limit out of range, malformed input: 4xx problem+json', async (t) => {
  const s = await setup(t);
  const [a] = (await s.products(1)) as [string];
  const me = await s.user();
  const unknown = '01890000-0000-7000-8000-000000000000';

  const cases: [string, string, number, string, string?][] = [
    ['unknown product', `/recommendations/products/${unknown}`, 404, 'not-found'],
    ['limit 0', `/recommendations/products/${a}?limit=0`, 400, 'validation-error', 'querystring/limit'],
    ['limit 51', `/recommendations/products/${a}?limit=51`, 400, 'validation-error', 'querystring/limit'],
    [
      'limit not a number',
      `/recommendations/products/${a}?limit=ten`,
      400,
      'validation-error',
      'querystring/limit',
    ],
    ['limit 1.5', `/recommendations/products/${a}?limit=1.5`, 400, 'validation-error', 'querystring/limit'],
    ['limit -1 for me', '/recommendations/me?limit=-1', 400, 'validation-error', 'querystring/limit'],
    ['limit 1000 for me', '/recommendations/me?limit=1000', 400, 'validation-error', 'querystring/limit'],
    ['not a uuid', '/recommendations/products/not-a-uuid', 400, 'validation-error', 'params/id'],
    ['unknown query parameter', `/recommendations/products/${a}?limt=5`, 400, 'validation-error'],
  ];
  for (const [name, url, status, type, path] of cases) {
    const res = await s.get(url, me.token);
    t.equal(res.statusCode, status, `${name}: ${status}`);
    t.equal(res.headers['content-type'], PROBLEM, `${name}: problem+json`);
    const body = res.json();
    t.equal(body.type, `${TYPE}${type}`, `${name}: type`);
    if (path)
      t.ok(
        body.errors?.some((e: { path: string }) => e.path === path),
        `${name}: names ${path}`,
      );
  }
  t.equal((await s.get(`/recommendations/products/${a}?limit=50`)).statusCode, 200, 'limit 50 is fine');
  t.equal((await s.get(`/recommendations/products/${a}?limit=1`)).statusCode, 200, 'limit 1 is fine');

  const post = (payload: unknown, token: string | null = me.token) =>
    s.app.inject({
      method: 'POST',
      url: '/recommendations/events',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      payload: payload as object,
    });
  for (const [name, payload, status] of [
    ['no events', { events: [] }, 400],
    ['unknown type', { events: [{ type: 'purchase', productId: a }] }, 400],
    ['bad product id', { events: [{ type: 'view', productId: 'x' }] }, 400],
    ['extra property', { events: [{ type: 'view', productId: a, price: 1 }] }, 400],
    ['more than 50', { events: Array.from({ length: 51 }, () => ({ type: 'view', productId: a })) }, 400],
  ] as const) {
    const res = await post(payload);
    t.equal(res.statusCode, status, `events, ${name}: ${status}`);
    t.equal(res.headers['content-type'], PROBLEM);
  }
  const anonymous = await post({ events: [{ type: 'view', productId: a }] }, null);
  t.equal(anonymous.statusCode, 401, 'events need a signed-in customer');
  t.equal(anonymous.json().type, `${TYPE}unauthorized`);
});
