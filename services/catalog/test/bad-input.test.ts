// Every route refuses bad input with the right 4xx application/problem+json, and changes nothing.

import { TEST_REDIS_URL } from '@mercato/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import {
  bookBody,
  createCategory,
  createProduct,
  outboxTypes,
  productCount,
  startCatalog,
} from './helpers.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Case {
  name: string;
  method: Method;
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
  /** sent verbatim (malformed JSON) */
  raw?: string;
  contentType?: string;
  status: number;
}

t.test('bad input on every route', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books');
  const product = await createProduct(c, bookBody());
  const expired = `Bearer ${await c.auth.sign({ sub: uuidv7(), role: 'admin', expiresIn: '-1s' })}`;
  // A logged-out admin: identity put the token's jti on the deny-list.
  const revokedJti = uuidv7();
  const revoked = `Bearer ${await c.auth.sign({ sub: uuidv7(), role: 'admin', jti: revokedJti })}`;
  const redis = new Redis(TEST_REDIS_URL);
  t.teardown(() => redis.quit());
  await redis.set(`auth:denied:${revokedJti}`, '1', 'EX', 600);
  const json = { 'content-type': 'application/json' };
  const id = product.id as string;
  const unknownId = uuidv7();

  const state = async () => ({
    products: await productCount(c),
    events: await outboxTypes(c),
    product: (
      await c.app.orm.em.fork().execute('select name, price, version, active from product where id = ?', [id])
    )[0],
    categories: (await c.app.inject({ url: '/products/categories' })).json().length,
  });
  const before = await state();

  const writes: [Method, string][] = [
    ['POST', '/products'],
    ['PUT', `/products/${id}`],
    ['PATCH', `/products/${id}`],
    ['DELETE', `/products/${id}`],
    ['POST', '/products/categories'],
  ];
  const validBody = (method: Method, url: string) =>
    url.endsWith('categories')
      ? { slug: 'new-slug', name: 'New' }
      : method === 'PATCH'
        ? { active: false }
        : bookBody();

  const cases: Case[] = [];
  for (const [method, url] of writes) {
    const payload = method === 'DELETE' ? undefined : validBody(method, url);
    cases.push(
      { name: `${method} ${url} without a token`, method, url, payload, status: 401 },
      {
        name: `${method} ${url} with a customer token`,
        method,
        url,
        payload,
        headers: c.customer,
        status: 403,
      },
      {
        name: `${method} ${url} with an expired token`,
        method,
        url,
        payload,
        headers: { authorization: expired },
        status: 401,
      },
      {
        name: `${method} ${url} with a revoked token`,
        method,
        url,
        payload,
        headers: { authorization: revoked },
        status: 401,
      },
      {
        name: `${method} ${url} with a garbage token`,
        method,
        url,
        payload,
        headers: { authorization: 'Bearer x.y.z' },
        status: 401,
      },
      {
        name: `${method} ${url} with a basic auth header`,
        method,
        url,
        payload,
        headers: { authorization: 'Basic YTpi' },
        status: 401,
      },
    );
    if (method !== 'DELETE') {
      cases.push(
        {
          name: `${method} ${url} malformed JSON`,
          method,
          url,
          headers: { ...c.admin, ...json },
          raw: '{"name": "x",',
          status: 400,
        },
        {
          name: `${method} ${url} a JSON array`,
          method,
          url,
          headers: c.admin,
          payload: [validBody(method, url)],
          status: 400,
        },
        {
          name: `${method} ${url} unknown field`,
          method,
          url,
          headers: c.admin,
          payload: { ...validBody(method, url), owner: 'me' },
          status: 400,
        },
        {
          name: `${method} ${url} text/plain`,
          method,
          url,
          headers: c.admin,
          raw: 'hello',
          contentType: 'text/plain',
          status: 415,
        },
      );
    }
  }
  for (const [method, url] of [
    ['PUT', '/products/not-a-uuid'],
    ['PATCH', '/products/not-a-uuid'],
    ['DELETE', '/products/not-a-uuid'],
    ['GET', '/products/not-a-uuid'],
    ['GET', '/products/01a201ce-bdd3-713d-91fd'],
  ] as [Method, string][]) {
    cases.push({
      name: `${method} ${url} bad uuid`,
      method,
      url,
      headers: c.admin,
      payload: method === 'GET' || method === 'DELETE' ? undefined : validBody(method, url),
      status: 400,
    });
  }
  const badPrices: unknown[] = [
    { amount: '-1.00', currency: 'EUR' },
    { amount: '1e3', currency: 'EUR' },
    { amount: '12.345', currency: 'EUR' },
    { amount: '12,50', currency: 'EUR' },
    { amount: 12.5, currency: 'EUR' },
    { amount: '10000000000.00', currency: 'EUR' },
    // Issue 9: no 0.00 product (an order of nothing), no price whose largest line overflows a total.
    { amount: '0', currency: 'EUR' },
    { amount: '0.00', currency: 'EUR' },
    { amount: '1000000.00', currency: 'EUR' },
    { amount: '9999999999.99', currency: 'EUR' },
    { amount: '', currency: 'EUR' },
    { amount: '12.50', currency: 'eur' },
    { amount: '12.50', currency: 'EURO' },
    { amount: '12.50' },
    { amount: '12.50', currency: 'EUR', tax: '1' },
    '12.50',
    12.5,
    null,
  ];
  for (const price of badPrices) {
    cases.push(
      {
        name: `POST price ${JSON.stringify(price)}`,
        method: 'POST',
        url: '/products',
        headers: c.admin,
        payload: bookBody({ price }),
        status: 400,
      },
      {
        name: `PATCH price ${JSON.stringify(price)}`,
        method: 'PATCH',
        url: `/products/${id}`,
        headers: c.admin,
        payload: { price },
        status: 400,
      },
    );
  }
  const badFields: Record<string, unknown>[] = [
    { name: '' },
    { name: '   ' },
    { name: 42 },
    { name: 'x'.repeat(201) },
    { category: 'Not A Slug' },
    { category: 7 },
    { active: 'yes' },
    { description: ['a'] },
    { attributes: { nested: { deep: true } } },
    { attributes: 'author=x' },
    { attributes: { author: '', isbn: '9780261102217' } },
    { attributes: { author: 'x', isbn: 'not-an-isbn' } },
    { attributes: { author: 'x', isbn: 9780261102217 } },
  ];
  for (const fields of badFields) {
    cases.push(
      {
        name: `POST ${JSON.stringify(fields)}`,
        method: 'POST',
        url: '/products',
        headers: c.admin,
        payload: bookBody(fields),
        status: 400,
      },
      {
        name: `PUT ${JSON.stringify(fields)}`,
        method: 'PUT',
        url: `/products/${id}`,
        headers: c.admin,
        payload: bookBody(fields),
        status: 400,
      },
      {
        name: `PATCH ${JSON.stringify(fields)}`,
        method: 'PATCH',
        url: `/products/${id}`,
        headers: c.admin,
        payload: fields,
        status: 400,
      },
    );
  }
  const { name: _name, ...withoutName } = bookBody();
  const { price: _price, ...withoutPrice } = bookBody();
  const { category: _category, ...withoutCategory } = bookBody();
  for (const [what, body] of [
    ['no name', withoutName],
    ['no price', withoutPrice],
    ['no category', withoutCategory],
  ] as const) {
    cases.push(
      {
        name: `POST ${what}`,
        method: 'POST',
        url: '/products',
        headers: c.admin,
        payload: body,
        status: 400,
      },
      {
        name: `PUT ${what}`,
        method: 'PUT',
        url: `/products/${id}`,
        headers: c.admin,
        payload: body,
        status: 400,
      },
    );
  }
  cases.push(
    {
      name: 'PATCH with an empty object',
      method: 'PATCH',
      url: `/products/${id}`,
      headers: c.admin,
      payload: {},
      status: 400,
    },
    { name: 'POST with no body', method: 'POST', url: '/products', headers: c.admin, status: 400 },
    {
      name: 'PUT of an unknown product',
      method: 'PUT',
      url: `/products/${unknownId}`,
      headers: c.admin,
      payload: bookBody(),
      status: 404,
    },
    {
      name: 'PATCH of an unknown product',
      method: 'PATCH',
      url: `/products/${unknownId}`,
      headers: c.admin,
      payload: { active: false },
      status: 404,
    },
    {
      name: 'DELETE of an unknown product',
      method: 'DELETE',
      url: `/products/${unknownId}`,
      headers: c.admin,
      status: 404,
    },
    {
      name: 'category with a bad slug',
      method: 'POST',
      url: '/products/categories',
      headers: c.admin,
      payload: { slug: 'Bad Slug', name: 'x' },
      status: 400,
    },
    {
      name: 'category without a name',
      method: 'POST',
      url: '/products/categories',
      headers: c.admin,
      payload: { slug: 'ok' },
      status: 400,
    },
    {
      name: 'category with a blank name',
      method: 'POST',
      url: '/products/categories',
      headers: c.admin,
      payload: { slug: 'ok', name: '  ' },
      status: 400,
    },
    {
      name: 'a body over 1 MiB',
      method: 'POST',
      url: '/products',
      headers: c.admin,
      payload: bookBody({ description: 'x'.repeat(1024 * 1024 + 10) }),
      status: 413,
    },
  );
  const badQueries = [
    'page=0',
    'page=-1',
    'page=abc',
    'pageSize=0',
    'pageSize=101',
    'sort=popularity',
    'order=up',
    'minPrice=-1',
    'minPrice=1e3',
    'maxPrice=12.345',
    'maxPrice=abc',
    'minPrice=20&maxPrice=10',
    'active=maybe',
    'category=Not%20A%20Slug',
    'colour=red',
  ];
  for (const qs of badQueries) {
    cases.push({ name: `GET /products?${qs}`, method: 'GET', url: `/products?${qs}`, status: 400 });
    if (!qs.startsWith('sort') && !qs.startsWith('order')) {
      cases.push({
        name: `GET /products/search?q=x&${qs}`,
        method: 'GET',
        url: `/products/search?q=x&${qs}`,
        status: 400,
      });
    }
  }
  cases.push(
    { name: 'search without q', method: 'GET', url: '/products/search', status: 400 },
    {
      name: 'search with sort (not a search parameter)',
      method: 'GET',
      url: '/products/search?q=x&sort=name',
      status: 400,
    },
  );

  for (const k of cases) {
    const headers = { ...(k.headers ?? {}) };
    if (k.contentType) headers['content-type'] = k.contentType;
    const res = await c.app.inject({
      method: k.method,
      url: k.url,
      headers,
      ...(k.raw !== undefined
        ? { payload: k.raw }
        : k.payload !== undefined
          ? { payload: k.payload as object }
          : {}),
    });
    t.equal(res.statusCode, k.status, k.name);
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${k.name}: problem+json`);
    const problem = res.json();
    t.match(
      problem,
      { status: k.status, type: /^https:\/\/mercato\.dev\/problems\//, detail: String },
      `${k.name}: problem body`,
    );
    t.notMatch(res.body, /\bat .*\.ts:\d+/, `${k.name}: no stack trace`);
  }
  t.same(await state(), before, 'nothing changed: products, events, the product, categories');
});
