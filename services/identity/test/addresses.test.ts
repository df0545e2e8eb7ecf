import t from 'tap';
import { isProblem, startIdentity } from './helpers.ts';

const home = { street: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' };

t.test('addresses', async (t) => {
  const s = await startIdentity(t);

  t.test(
    'CRUD of one’s own addresses; the first is the default, and there is only one default',
    async (t) => {
      const c = await s.customer();
      const first = await s.inject({ method: 'POST', url: '/addresses', token: c.accessToken, body: home });
      t.equal(first.statusCode, 201);
      t.match(first.json(), { ...home, userId: c.id, isDefault: true });
      const second = await s.inject({
        method: 'POST',
        url: '/addresses',
        token: c.accessToken,
        body: { ...home, street: '2 Side Street' },
      });
      t.equal(second.json().isDefault, false, 'later ones are not the default unless asked');
      const third = await s.inject({
        method: 'POST',
        url: '/addresses',
        token: c.accessToken,
        body: { ...home, street: '3 Hill Road', isDefault: true },
      });
      t.equal(third.json().isDefault, true);

      const list = await s.inject({ method: 'GET', url: '/addresses', token: c.accessToken });
      t.equal(list.json().total, 3);
      const defaults = list.json().items.filter((a: { isDefault: boolean }) => a.isDefault);
      t.same(
        defaults.map((a: { id: string }) => a.id),
        [third.json().id],
        'exactly one default',
      );

      const got = await s.inject({
        method: 'GET',
        url: `/addresses/${second.json().id}`,
        token: c.accessToken,
      });
      t.equal(got.statusCode, 200);
      const put = await s.inject({
        method: 'PUT',
        url: `/addresses/${second.json().id}`,
        token: c.accessToken,
        headers: { 'if-match': got.headers.etag as string },
        body: { ...home, street: '2b Side Street', isDefault: true },
      });
      t.equal(put.statusCode, 200);
      t.match(put.json(), { street: '2b Side Street', isDefault: true });
      const [{ n }] = (await s.sql(
        'select count(*)::int as n from address where user_id = ? and is_default',
        [c.id],
      )) as [{ n: number }];
      t.equal(n, 1, 'the old default was cleared');

      const stale = await s.inject({
        method: 'PUT',
        url: `/addresses/${second.json().id}`,
        token: c.accessToken,
        headers: { 'if-match': got.headers.etag as string },
        body: { ...home, street: 'stale' },
      });
      t.ok(isProblem(stale, 412), 'a stale If-Match');

      const del = await s.inject({
        method: 'DELETE',
        url: `/addresses/${first.json().id}`,
        token: c.accessToken,
      });
      t.equal(del.statusCode, 204);
      t.ok(
        isProblem(
          await s.inject({ method: 'GET', url: `/addresses/${first.json().id}`, token: c.accessToken }),
          404,
        ),
      );
    },
  );

  t.test('a customer cannot see or change another user’s address (404); an admin sees all', async (t) => {
    const owner = await s.customer();
    const other = await s.customer();
    const created = await s.inject({
      method: 'POST',
      url: '/addresses',
      token: owner.accessToken,
      body: home,
    });
    const id = created.json().id;
    const before = await s.counts();
    for (const r of [
      { method: 'GET', url: `/addresses/${id}` },
      { method: 'PUT', url: `/addresses/${id}`, body: { ...home, street: 'hijacked' } },
      { method: 'DELETE', url: `/addresses/${id}` },
    ] as const) {
      t.ok(
        isProblem(await s.inject({ ...r, token: other.accessToken }), 404),
        `${r.method} as another customer`,
      );
    }
    t.same(await s.counts(), before);
    const theirs = await s.inject({ method: 'GET', url: '/addresses', token: other.accessToken });
    t.equal(theirs.json().total, 0, 'the other customer lists none of them');
    const unchanged = await s.inject({ method: 'GET', url: `/addresses/${id}`, token: owner.accessToken });
    t.equal(unchanged.json().street, home.street);

    const admin = await s.admin();
    t.equal(
      (await s.inject({ method: 'GET', url: `/addresses/${id}`, token: admin.accessToken })).statusCode,
      200,
    );
    const all = await s.inject({ method: 'GET', url: '/addresses?pageSize=100', token: admin.accessToken });
    t.ok(
      all.json().items.some((a: { id: string }) => a.id === id),
      'the admin lists everyone’s',
    );
    const one = await s.inject({
      method: 'GET',
      url: `/addresses?userId=${owner.id}`,
      token: admin.accessToken,
    });
    t.same(
      one.json().items.map((a: { id: string }) => a.id),
      [id],
    );
  });

  t.test('an optional recipient: stored, shown, replaced and cleared by PUT', async (t) => {
    const c = await s.customer();
    const created = await s.inject({
      method: 'POST',
      url: '/addresses',
      token: c.accessToken,
      body: { ...home, recipient: 'Ada Lovelace' },
    });
    t.equal(created.statusCode, 201);
    t.match(created.json(), { ...home, recipient: 'Ada Lovelace' });
    const id = created.json().id;
    const got = await s.inject({ method: 'GET', url: `/addresses/${id}`, token: c.accessToken });
    t.equal(got.json().recipient, 'Ada Lovelace', 'GET /addresses/{id} shows it to the owner');
    const renamed = await s.inject({
      method: 'PUT',
      url: `/addresses/${id}`,
      token: c.accessToken,
      body: { ...home, recipient: 'Charles Babbage' },
    });
    t.equal(renamed.json().recipient, 'Charles Babbage');
    const cleared = await s.inject({
      method: 'PUT',
      url: `/addresses/${id}`,
      token: c.accessToken,
      body: home,
    });
    t.equal(cleared.statusCode, 200);
    t.notOk('recipient' in cleared.json(), 'a replacement without a recipient clears it');
    const [row] = await s.sql<{ recipient: string | null }>('select recipient from address where id = ?', [
      id,
    ]);
    t.equal(row!.recipient, null);
    const without = await s.inject({ method: 'POST', url: '/addresses', token: c.accessToken, body: home });
    t.notOk('recipient' in without.json(), 'none given, none shown');
  });

  t.test('bad address input is 400 and stores nothing', async (t) => {
    const c = await s.customer();
    const before = await s.counts();
    for (const body of [
      { ...home, country: 'Germany' },
      { ...home, street: '' },
      { ...home, postalCode: 12345 },
      { ...home, isDefault: 'yes' },
      { ...home, extra: 1 },
      { street: 'only' },
      { ...home, recipient: '' },
      { ...home, recipient: '   ' },
      { ...home, recipient: 'x'.repeat(201) },
      { ...home, recipient: 'Ada\u0000Lovelace' },
      { ...home, recipient: 'Ada\u0007' },
      { ...home, recipient: 42 },
    ]) {
      t.ok(
        isProblem(await s.inject({ method: 'POST', url: '/addresses', token: c.accessToken, body }), 400),
        JSON.stringify(body),
      );
    }
    t.ok(
      isProblem(await s.inject({ method: 'GET', url: '/addresses/not-a-uuid', token: c.accessToken }), 400),
    );
    t.ok(isProblem(await s.inject({ method: 'POST', url: '/addresses', body: home }), 401), 'no token');
    t.same(await s.counts(), before);
  });
});
