import t from 'tap';
import { closedPortUrl, startCatalogLike, startGateway, startIdentityLike } from './helpers.ts';

const identity = await startIdentityLike(t);
const catalog = await startCatalogLike(t);
const { app: gateway } = await startGateway(t, {
  IDENTITY_URL: identity.url,
  CATALOG_URL: catalog.url,
  ORDERS_URL: await closedPortUrl(),
});

t.test('/docs/json merges the paths of every upstream that answers', async (t) => {
  const res = await gateway.inject({ method: 'GET', url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.match(doc, { openapi: /^3\./, info: { title: 'Mercato API' } });
  t.ok(doc.paths['/auth/echo']?.get, 'identity GET /auth/echo');
  t.ok(doc.paths['/auth/echo']?.post, 'identity POST /auth/echo');
  t.ok(doc.paths['/users/{id}']?.get, 'identity /users/{id}');
  t.ok(doc.paths['/products/{id}']?.get, 'catalog /products/{id}');
  t.notOk(doc.paths['/healthz'], 'upstream probes are not part of the public API');
  t.ok(doc.components.securitySchemes.bearerAuth);
});

t.test('an upstream that is down is skipped and named', async (t) => {
  const doc = (await gateway.inject({ method: 'GET', url: '/docs/json' })).json();
  t.match(doc['x-mercato-skipped'], [{ service: 'orders', reason: 'not running' }]);
  t.match(doc.info.description, /orders/);
  t.notOk(Object.keys(doc.paths).some((p) => p.startsWith('/orders')));
});

t.test('the document is cached: a stopped upstream does not empty it at once', async (t) => {
  const first = (await gateway.inject({ method: 'GET', url: '/docs/json' })).json();
  await catalog.app.close();
  const second = (await gateway.inject({ method: 'GET', url: '/docs/json' })).json();
  t.same(Object.keys(second.paths), Object.keys(first.paths));
});

t.test('/docs serves Swagger UI', async (t) => {
  const res = await gateway.inject({ method: 'GET', url: '/docs' });
  const page =
    res.statusCode === 302
      ? await gateway.inject({ method: 'GET', url: res.headers.location as string })
      : res;
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.body, /swagger/i);
  const csp = String(page.headers['content-security-policy']);
  t.notMatch(csp, /upgrade-insecure-requests/, 'its scripts load over plain HTTP locally');
  t.match(csp, /script-src 'self'/);
});

t.test('/docs/yaml is the same merged document', async (t) => {
  const res = await gateway.inject({ method: 'GET', url: '/docs/yaml' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /yaml/);
  const doc = JSON.parse(res.body);
  t.ok(doc.paths['/auth/echo']);
  t.notOk(
    Object.keys(doc.paths).some((p) => p.endsWith('/*')),
    'no proxy wildcard routes',
  );
});
