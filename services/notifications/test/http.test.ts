// The /notifications routes: own records only (another's is 404), admins see and filter all; the
// templates and their preview for admins; preferences (marketing only; transactional cannot be turned
// off); malformed input is a 4xx problem+json and changes nothing.
import t from 'tap';
import { orderPlaced, PROBLEM, setup } from './helpers.ts';

const PROBLEMS = 'https://mercato.dev/problems/';

t.test('records: own only, admins all and filtered, another customer gets 404', async (t) => {
  const s = await setup(t);
  const a = await s.registered('Alice');
  const b = await s.registered('Bob');
  const admin = await s.user('admin');
  await s.publish(s.event('order.placed', orderPlaced(a.id)), s.event('order.placed', orderPlaced(a.id)));
  await s.publish(s.event('order.placed', orderPlaced(b.id)));
  await s.sink.waitForTo(a.email, 2);
  await s.sink.waitForTo(b.email, 1);
  await s.settled();
  const get = (url: string, token?: string) =>
    s.app.inject({ method: 'GET', url, headers: token ? s.bearer(token) : {} });

  const mine = await get('/notifications', a.token);
  t.equal(mine.statusCode, 200);
  const page = mine.json();
  t.equal(page.total, 2);
  t.ok(
    page.items.every(
      (i: any) => i.userId === a.id && i.recipient === a.email && i.template === 'order-placed',
    ),
  );
  t.equal(page.items[0].status, 'sent');
  t.match(page.items[0].smtpResponse, /^250/);

  const others = await get(`/notifications?userId=${b.id}`, a.token);
  t.equal(others.json().total, 0, "a customer's userId filter never reaches another's mail");

  const one = await get(`/notifications/${page.items[0].id}`, a.token);
  t.equal(one.statusCode, 200);
  t.match(one.json().text, 'We received your order');
  const [bRecord] = await s.records('user_id = $1', [b.id]);
  const foreign = await get(`/notifications/${bRecord.id}`, a.token);
  t.equal(foreign.statusCode, 404, "another customer's notification is 404");
  t.equal(foreign.headers['content-type'], PROBLEM);
  t.equal(foreign.json().type, `${PROBLEMS}not-found`);
  t.equal((await get(`/notifications/${bRecord.id}`, admin.token)).statusCode, 200, 'an admin sees it');

  const all = await get('/notifications?pageSize=2&page=1', admin.token);
  t.equal(all.json().total, 3);
  t.equal(all.json().items.length, 2);
  t.equal(all.json().pageSize, 2);
  t.equal((await get(`/notifications?userId=${b.id}`, admin.token)).json().total, 1);
  t.equal((await get('/notifications?status=sent&template=order-placed', admin.token)).json().total, 3);
  t.equal((await get('/notifications?status=failed', admin.token)).json().total, 0);

  t.equal((await get('/notifications')).statusCode, 401);
  for (const url of [
    '/notifications/not-a-uuid',
    '/notifications?status=bogus',
    '/notifications?pageSize=1000',
    '/notifications?userId=nope',
    '/notifications?template=Bad%20Name',
    '/notifications?unknown=1',
  ]) {
    const res = await get(url, a.token);
    t.equal(res.statusCode, 400, url);
    t.equal(res.headers['content-type'], PROBLEM, `${url}: problem+json`);
  }
});

t.test('templates and their preview: admins only', async (t) => {
  const s = await setup(t);
  const admin = await s.user('admin');
  const customer = await s.user();
  const list = await s.app.inject({
    method: 'GET',
    url: '/notifications/templates',
    headers: s.bearer(admin.token),
  });
  t.equal(list.statusCode, 200);
  const names = list.json().items.map((i: any) => i.name);
  t.ok(names.includes('invoice-issued') && names.includes('promo'));
  t.equal(list.json().items.find((i: any) => i.name === 'promo').kind, 'marketing');
  const forbidden = await s.app.inject({
    method: 'GET',
    url: '/notifications/templates',
    headers: s.bearer(customer.token),
  });
  t.equal(forbidden.statusCode, 403);
  t.equal(forbidden.headers['content-type'], PROBLEM);

  const html = await s.app.inject({
    method: 'GET',
    url: '/notifications/templates/payment-declined/preview',
    headers: s.bearer(admin.token),
  });
  t.equal(html.statusCode, 200);
  t.match(html.headers['content-type'], /^text\/html/);
  t.match(html.body, /<!doctype html>/i);
  t.match(html.body, '€25.00');
  t.equal(
    decodeURIComponent(String(html.headers['x-mail-subject'])),
    'Payment for your order 0193a1b2-0000-7000-8000-0000000000aa was declined',
  );
  const text = await s.app.inject({
    method: 'GET',
    url: '/notifications/templates/payment-declined/preview?format=text',
    headers: s.bearer(admin.token),
  });
  t.match(text.headers['content-type'], /^text\/plain/);
  t.match(text.body, 'We keep your items until 2 December 2026 at 14:30 UTC');
  const promo = await s.app.inject({
    method: 'GET',
    url: '/notifications/templates/promo/preview?format=text',
    headers: s.bearer(admin.token),
  });
  t.match(promo.body, 'Unsubscribe: ');

  for (const [url, status] of [
    ['/notifications/templates/nope/preview', 404],
    ['/notifications/templates/Bad..Name/preview', 400],
    ['/notifications/templates/welcome/preview?format=pdf', 400],
  ] as const) {
    const res = await s.app.inject({ method: 'GET', url, headers: s.bearer(admin.token) });
    t.equal(res.statusCode, status, url);
    t.equal(res.headers['content-type'], PROBLEM, `${url}: problem+json`);
  }
  const customerPreview = await s.app.inject({
    method: 'GET',
    url: '/notifications/templates/welcome/preview',
    headers: s.bearer(customer.token),
  });
  t.equal(customerPreview.statusCode, 403);
});

t.test(
  'preferences: marketing on and off with ETag / If-Match; transactional mail cannot be turned off',
  async (t) => {
    const s = await setup(t);
    const u = await s.user();
    const h = s.bearer(u.token);
    const first = await s.app.inject({ method: 'GET', url: '/notifications/preferences', headers: h });
    t.equal(first.statusCode, 200);
    t.same(first.json(), { marketing: false, transactional: true }, 'marketing is off until turned on');
    const tag = first.headers.etag as string;
    t.match(tag, /^"\d+"$/);

    const on = await s.app.inject({
      method: 'PATCH',
      url: '/notifications/preferences',
      headers: { ...h, 'if-match': tag },
      payload: { marketing: true },
    });
    t.equal(on.statusCode, 200);
    t.same(on.json(), { marketing: true, transactional: true });
    t.not(on.headers.etag, tag);

    const stale = await s.app.inject({
      method: 'PATCH',
      url: '/notifications/preferences',
      headers: { ...h, 'if-match': tag },
      payload: { marketing: false },
    });
    t.equal(stale.statusCode, 412);
    t.equal(stale.headers['content-type'], PROBLEM);

    const refused = await s.app.inject({
      method: 'PATCH',
      url: '/notifications/preferences',
      headers: h,
      payload: { marketing: false, transactional: false },
    });
    t.equal(refused.statusCode, 422);
    t.equal(refused.headers['content-type'], PROBLEM);
    t.equal(refused.json().type, `${PROBLEMS}transactional-mail-required`);

    for (const payload of [{}, { marketing: 'yes' }, { newsletter: true }, [], 'x']) {
      const res = await s.app.inject({
        method: 'PATCH',
        url: '/notifications/preferences',
        headers: h,
        payload: payload as never,
      });
      t.ok(res.statusCode >= 400 && res.statusCode < 500, `${JSON.stringify(payload)} → ${res.statusCode}`);
      t.equal(res.headers['content-type'], PROBLEM);
    }
    const after = await s.app.inject({ method: 'GET', url: '/notifications/preferences', headers: h });
    t.same(after.json(), { marketing: true, transactional: true }, 'the refused changes changed nothing');
    t.equal(after.headers.etag, on.headers.etag);
    const anonymous = await s.app.inject({
      method: 'PATCH',
      url: '/notifications/preferences',
      payload: { marketing: true },
    });
    t.equal(anonymous.statusCode, 401);
  },
);
