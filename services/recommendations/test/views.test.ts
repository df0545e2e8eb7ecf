// Views and add-to-cart events (POST /recommendations/events): batched, rate-limited per customer,
// and "viewed together" from products one customer looks at within a session.
import t from 'tap';
import { PROBLEM, setup } from './helpers.ts';

t.test('products viewed in one session are viewed together; a batch is one request', async (t) => {
  const s = await setup(t);
  const [a, b, c, d] = (await s.products(4)) as [string, string, string, string];
  const post = (token: string, events: { type: string; productId: string }[]) =>
    s.app.inject({
      method: 'POST',
      url: '/recommendations/events',
      headers: { authorization: `Bearer ${token}` },
      payload: { events },
    });
  const u1 = await s.user();
  const u2 = await s.user();
  const res = await post(u1.token, [
    { type: 'view', productId: a },
    { type: 'view', productId: b },
    { type: 'view', productId: a },
    { type: 'add_to_cart', productId: c },
    { type: 'view', productId: '01890000-0000-7000-8000-000000000000' },
  ]);
  t.equal(res.statusCode, 202);
  t.same(res.json(), { accepted: 4, ignored: 1 }, 'an unknown product is ignored');
  t.equal(
    (
      await post(u2.token, [
        { type: 'view', productId: a },
        { type: 'view', productId: b },
      ])
    ).statusCode,
    202,
  );

  const items = await s.forProduct(a, 2);
  t.same(
    items.map((i) => [i.productId, i.reason]),
    [
      [b, 'viewed_together'],
      [c, 'viewed_together'],
    ],
    'b (two sessions) before c (one); d never',
  );
  const pairs = await s.sql(
    `select sessions from "${s.schema}".co_view where product_id = ? and other_id = ?`,
    [a, b],
  );
  t.equal(pairs[0].sessions, 2, 'a second view of a in the same session forms no new pair');
  t.notOk(items.some((i) => i.productId === d));

  // Bought together outranks viewed together.
  await s.orders([[a, d]]);
  t.same(
    (await s.forProduct(a, 3)).map((i) => [i.productId, i.reason]),
    [
      [d, 'bought_together'],
      [b, 'viewed_together'],
      [c, 'viewed_together'],
    ],
  );
  // "For you" of a viewer who bought nothing: what goes with what they looked at, not the products seen.
  const u3 = await s.user();
  await post(u3.token, [{ type: 'view', productId: b }]);
  const mine = await s.forMe(u3.token, 3);
  t.equal(mine.personalised, true);
  t.same(mine.items[0], { ...mine.items[0], productId: a, reason: 'viewed_together' });
  t.notOk(
    mine.items.some((i) => i.productId === b),
    'not the viewed product itself',
  );
});

t.test('events are rate-limited per customer (429 problem+json with Retry-After)', async (t) => {
  const s = await setup(t, { VIEW_EVENTS_PER_MINUTE: 60 });
  const [a] = (await s.products(1)) as [string];
  const u = await s.user();
  const other = await s.user();
  const batch = Array.from({ length: 30 }, () => ({ type: 'view', productId: a }));
  const post = (token: string) =>
    s.app.inject({
      method: 'POST',
      url: '/recommendations/events',
      headers: { authorization: `Bearer ${token}` },
      payload: { events: batch },
    });
  t.equal((await post(u.token)).statusCode, 202);
  t.equal((await post(u.token)).statusCode, 202, '60 events: at the limit');
  const refused = await post(u.token);
  t.equal(refused.statusCode, 429);
  t.equal(refused.headers['content-type'], PROBLEM);
  t.equal(refused.json().type, 'https://mercato.dev/problems/too-many-requests');
  const retry = Number(refused.headers['retry-after']);
  t.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  t.equal((await post(other.token)).statusCode, 202, 'another customer has their own quota');
});
