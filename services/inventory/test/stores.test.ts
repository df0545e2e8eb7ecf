import { uniqueName } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { bearer, seedStock, setup } from './helpers.ts';

t.test('stores: admin CRUD with ETag / If-Match', async (t) => {
  const h = await setup(t, { messaging: false });
  const admin = bearer(h.adminToken);
  const code = uniqueName('ber').toUpperCase();

  const created = await h.app.inject({
    method: 'POST',
    url: '/stores',
    headers: admin,
    payload: { code, name: 'Berlin', address: 'Am Hafen 1' },
  });
  t.equal(created.statusCode, 201);
  const store = created.json();
  t.match(store, { code, name: 'Berlin', address: 'Am Hafen 1', active: true, version: 1 });
  t.equal(created.headers.etag, '"1"');

  const one = await h.app.inject({ url: `/stores/${store.id}`, headers: admin });
  t.equal(one.statusCode, 200);
  t.equal(one.headers.etag, '"1"');
  t.same(one.json(), store);

  const list = await h.app.inject({ url: '/stores?page=1&pageSize=10', headers: admin });
  t.match(list.json(), { page: 1, pageSize: 10, total: 1, items: [{ id: store.id }] });

  const patched = await h.app.inject({
    method: 'PATCH',
    url: `/stores/${store.id}`,
    headers: { ...admin, 'if-match': '"1"' },
    payload: { name: 'Berlin Hafen' },
  });
  t.equal(patched.statusCode, 200);
  t.match(patched.json(), { name: 'Berlin Hafen', address: 'Am Hafen 1', version: 2 });
  t.equal(patched.headers.etag, '"2"');

  const stale = await h.app.inject({
    method: 'PUT',
    url: `/stores/${store.id}`,
    headers: { ...admin, 'if-match': '"1"' },
    payload: { code, name: 'Stale', address: null, active: false },
  });
  t.equal(stale.statusCode, 412);
  t.equal(stale.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal((await h.app.inject({ url: `/stores/${store.id}`, headers: admin })).json().name, 'Berlin Hafen');

  const replaced = await h.app.inject({
    method: 'PUT',
    url: `/stores/${store.id}`,
    headers: { ...admin, 'if-match': '"2"' },
    payload: { code, name: 'Berlin', address: null, active: false },
  });
  t.equal(replaced.statusCode, 200);
  t.match(replaced.json(), { address: null, active: false, version: 3 });

  const staleDelete = await h.app.inject({
    method: 'DELETE',
    url: `/stores/${store.id}`,
    headers: { ...admin, 'if-match': '"2"' },
  });
  t.equal(staleDelete.statusCode, 412);
  const deleted = await h.app.inject({ method: 'DELETE', url: `/stores/${store.id}`, headers: admin });
  t.equal(deleted.statusCode, 204);
  t.equal((await h.app.inject({ url: `/stores/${store.id}`, headers: admin })).statusCode, 404);
});

t.test('stores: a store holding stock cannot be deleted; a duplicate code is a conflict', async (t) => {
  const h = await setup(t, { messaging: false });
  const admin = bearer(h.adminToken);
  const code = uniqueName('ham');
  const { storeId } = await seedStock(h, uuidv7(), 5, { storeCode: code });

  const dup = await h.app.inject({
    method: 'POST',
    url: '/stores',
    headers: admin,
    payload: { code, name: 'x' },
  });
  t.equal(dup.statusCode, 409);
  t.equal(dup.json().type, 'https://mercato.dev/problems/conflict');

  const other = await h.app.inject({
    method: 'POST',
    url: '/stores',
    headers: admin,
    payload: { code: uniqueName('muc'), name: 'Munich' },
  });
  const rename = await h.app.inject({
    method: 'PATCH',
    url: `/stores/${other.json().id}`,
    headers: admin,
    payload: { code },
  });
  t.equal(rename.statusCode, 409);

  const del = await h.app.inject({ method: 'DELETE', url: `/stores/${storeId}`, headers: admin });
  t.equal(del.statusCode, 409);
  t.equal((await h.sql('select count(*)::int as n from stock where store_id = $1', [storeId]))[0]!.n, 1);
  t.equal((await h.app.inject({ url: `/stores/${storeId}`, headers: admin })).statusCode, 200);
});

t.test('stores: bad input and missing rights get problem+json and change nothing', async (t) => {
  const h = await setup(t, { messaging: false });
  const admin = bearer(h.adminToken);
  const code = uniqueName('s');
  const store = (
    await h.app.inject({ method: 'POST', url: '/stores', headers: admin, payload: { code, name: 'S' } })
  ).json();
  const snapshot = async () => h.sql('select * from store order by id');
  const before = await snapshot();

  const cases: [string, string, Record<string, string>, unknown, number][] = [
    ['POST', '/stores', admin, { name: 'no code' }, 400],
    ['POST', '/stores', admin, { code: 'bad code!', name: 'x' }, 400],
    ['POST', '/stores', admin, { code: 'ok', name: 'x', extra: 1 }, 400],
    ['POST', '/stores', admin, { code: 'ok', name: '' }, 400],
    ['PUT', `/stores/${store.id}`, admin, { name: 'partial' }, 400],
    ['PATCH', `/stores/${store.id}`, admin, {}, 400],
    ['PATCH', `/stores/${store.id}`, admin, { active: 'yes' }, 400],
    ['PATCH', '/stores/not-a-uuid', admin, { name: 'x' }, 400],
    ['PATCH', `/stores/${uuidv7()}`, admin, { name: 'x' }, 404],
    ['DELETE', `/stores/${uuidv7()}`, admin, undefined, 404],
    ['GET', '/stores?pageSize=1000', admin, undefined, 400],
    ['GET', '/stores', {}, undefined, 401],
    ['POST', '/stores', {}, { code: 'x', name: 'x' }, 401],
    ['POST', '/stores', bearer(h.customerToken), { code: 'x', name: 'x' }, 403],
    ['PATCH', `/stores/${store.id}`, bearer(h.customerToken), { name: 'x' }, 403],
    ['DELETE', `/stores/${store.id}`, bearer(h.customerToken), undefined, 403],
    ['GET', `/stores/${store.id}`, { authorization: 'Bearer nonsense' }, undefined, 401],
    ['PATCH', '/stores/not-a-uuid', {}, { name: 1 }, 401],
    ['POST', '/stores', bearer(h.customerToken), { bad: true }, 403],
  ];
  for (const [method, url, headers, payload, status] of cases) {
    const res = await h.app.inject({ method: method as 'GET', url, headers, payload: payload as object });
    t.equal(res.statusCode, status, `${method} ${url} ${JSON.stringify(payload)} → ${status}`);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
    t.equal(res.json().status, status);
  }
  t.same(await snapshot(), before, 'no store changed');
});
