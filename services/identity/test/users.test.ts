import { uniqueName } from '@mercato/testing';
import t from 'tap';
import { ADMIN_PASSWORD, GOOD_PASSWORD, isProblem, startIdentity } from './helpers.ts';

t.test('admin user management', async (t) => {
  const s = await startIdentity(t);
  const admin = await s.admin();
  const customer = await s.customer();

  t.test('POST /users creates a user of any role; duplicates 409', async (t) => {
    const name = uniqueName('staff');
    const res = await s.inject({
      method: 'POST',
      url: '/users',
      token: admin.accessToken,
      body: { email: `${name}@example.com`, username: name, password: GOOD_PASSWORD, role: 'admin' },
    });
    t.equal(res.statusCode, 201);
    t.match(res.json(), { role: 'admin', active: true });
    t.equal(res.headers.location, `/users/${res.json().id}`);
    await s.login(`${name}@example.com`, GOOD_PASSWORD);
    const dup = await s.inject({
      method: 'POST',
      url: '/users',
      token: admin.accessToken,
      body: { email: `${name}@example.com`, username: `${name}x`, password: GOOD_PASSWORD },
    });
    t.ok(isProblem(dup, 409));
    t.ok((await s.outboxEvents('user.registered')).some((e) => e.data.userId === res.json().id));
  });

  t.test('GET /users pages and filters by role, active and e-mail substring', async (t) => {
    const tag = uniqueName('flt');
    for (let i = 0; i < 3; i++)
      await s.register({ email: `${tag}-${i}@example.com`, username: `${tag}${i}`.slice(0, 32) });
    const page1 = await s.inject({
      method: 'GET',
      url: `/users?email=${tag.toUpperCase()}&pageSize=2`,
      token: admin.accessToken,
    });
    t.equal(page1.statusCode, 200);
    t.match(page1.json(), { total: 3, page: 1, pageSize: 2 });
    t.equal(page1.json().items.length, 2);
    const page2 = await s.inject({
      method: 'GET',
      url: `/users?email=${tag}&pageSize=2&page=2`,
      token: admin.accessToken,
    });
    t.equal(page2.json().items.length, 1);
    const ids = [...page1.json().items, ...page2.json().items].map((u: { id: string }) => u.id);
    t.equal(new Set(ids).size, 3, 'pages do not overlap');

    const admins = await s.inject({ method: 'GET', url: '/users?role=admin', token: admin.accessToken });
    t.ok(admins.json().items.length >= 1);
    t.ok(admins.json().items.every((u: { role: string }) => u.role === 'admin'));

    const pct = await s.inject({ method: 'GET', url: '/users?email=%25', token: admin.accessToken });
    t.equal(pct.json().total, 0, 'a % in the filter is a literal, not a wildcard');

    const victim = await s.register({ email: `${tag}-off@example.com`, username: `${tag}off`.slice(0, 32) });
    await s.inject({
      method: 'PATCH',
      url: `/users/${victim.id}`,
      token: admin.accessToken,
      body: { active: false },
    });
    const inactive = await s.inject({
      method: 'GET',
      url: `/users?active=false&email=${tag}`,
      token: admin.accessToken,
    });
    t.same(
      inactive.json().items.map((u: { id: string }) => u.id),
      [victim.id],
    );
  });

  t.test('GET and PATCH /users/{id} with ETag / If-Match', async (t) => {
    const c = await s.customer();
    const got = await s.inject({ method: 'GET', url: `/users/${c.id}`, token: admin.accessToken });
    t.equal(got.statusCode, 200);
    const tag = got.headers.etag as string;
    t.match(tag, /^"\d+"$/);

    const promoted = await s.inject({
      method: 'PATCH',
      url: `/users/${c.id}`,
      token: admin.accessToken,
      headers: { 'if-match': tag },
      body: { role: 'admin' },
    });
    t.equal(promoted.statusCode, 200);
    t.equal(promoted.json().role, 'admin');
    t.not(promoted.headers.etag, tag, 'a new version');
    t.ok(
      isProblem(await s.inject({ method: 'GET', url: '/auth/me', token: c.accessToken }), 401),
      'tokens with the old role stop working',
    );

    const before = await s.counts();
    const stale = await s.inject({
      method: 'PATCH',
      url: `/users/${c.id}`,
      token: admin.accessToken,
      headers: { 'if-match': tag },
      body: { role: 'customer' },
    });
    t.ok(isProblem(stale, 412), 'a stale If-Match');
    t.same(await s.counts(), before);
    const still = await s.inject({ method: 'GET', url: `/users/${c.id}`, token: admin.accessToken });
    t.equal(still.json().role, 'admin', 'unchanged');

    const deactivated = await s.inject({
      method: 'PATCH',
      url: `/users/${c.id}`,
      token: admin.accessToken,
      body: { active: false },
    });
    t.equal(deactivated.json().active, false);
    t.ok(
      isProblem(
        await s.inject({
          method: 'POST',
          url: '/auth/login',
          body: { email: c.email, password: c.password },
        }),
        401,
      ),
    );
    t.ok((await s.outboxEvents('user.deactivated')).some((e) => e.data.userId === c.id));
    const updated = (await s.outboxEvents('user.updated')).filter((e) => e.data.userId === c.id);
    t.same(
      updated.map((e) => e.data.changed),
      [['role'], ['active']],
    );

    const missing = await s.inject({
      method: 'GET',
      url: '/users/0190a6c2-7f1e-7000-8000-000000000000',
      token: admin.accessToken,
    });
    t.ok(isProblem(missing, 404));
  });

  t.test('a customer token on admin routes is 403; no token is 401; nothing changes', async (t) => {
    const before = await s.counts();
    const routes = [
      { method: 'GET', url: '/users' },
      { method: 'GET', url: `/users/${customer.id}` },
      { method: 'PATCH', url: `/users/${customer.id}`, body: { role: 'admin' } },
      {
        method: 'POST',
        url: '/users',
        body: { email: 'sneaky@example.com', username: 'sneaky', password: GOOD_PASSWORD, role: 'admin' },
      },
    ] as const;
    for (const r of routes) {
      t.ok(
        isProblem(await s.inject({ ...r, token: customer.accessToken }), 403),
        `${r.method} ${r.url} as customer`,
      );
      t.ok(isProblem(await s.inject({ ...r }), 401), `${r.method} ${r.url} without a token`);
    }
    t.same(await s.counts(), before);
    const me = await s.inject({ method: 'GET', url: '/auth/me', token: customer.accessToken });
    t.equal(me.json().role, 'customer');
  });
});

t.test('the last active admin cannot be demoted or deactivated', async (t) => {
  const s = await startIdentity(t);
  const admin = await s.admin();
  const me = (await s.inject({ method: 'GET', url: '/auth/me', token: admin.accessToken })).json();
  const before = await s.counts();
  const demote = await s.inject({
    method: 'PATCH',
    url: `/users/${me.id}`,
    token: admin.accessToken,
    body: { role: 'customer' },
  });
  t.ok(isProblem(demote, 409), 'demoting the only admin');
  const off = await s.inject({
    method: 'PATCH',
    url: `/users/${me.id}`,
    token: admin.accessToken,
    body: { active: false },
  });
  t.ok(isProblem(off, 409), 'deactivating the only admin');
  t.ok(
    isProblem(
      await s.inject({
        method: 'DELETE',
        url: '/auth/me',
        token: admin.accessToken,
        body: { password: ADMIN_PASSWORD },
      }),
      409,
    ),
    'leaving as the only admin',
  );
  t.same(await s.counts(), before, 'nothing changed');

  const name = uniqueName('second');
  const second = await s.inject({
    method: 'POST',
    url: '/users',
    token: admin.accessToken,
    body: { email: `${name}@example.com`, username: name, password: GOOD_PASSWORD, role: 'admin' },
  });
  t.equal(second.statusCode, 201);
  const now = await s.inject({
    method: 'PATCH',
    url: `/users/${me.id}`,
    token: admin.accessToken,
    body: { role: 'customer' },
  });
  t.equal(now.statusCode, 200, 'with another admin it is allowed');
});
