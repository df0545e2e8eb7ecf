import t from 'tap';
import { startCatalog } from './helpers.ts';

t.test('the OpenAPI document describes every route from its TypeBox schemas', async (t) => {
  const c = await startCatalog(t);
  const res = await c.app.inject({ url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.match(doc.info, { title: 'Mercato catalog' });
  t.same(Object.keys(doc.paths).sort(), [
    '/products',
    '/products/categories',
    '/products/search',
    '/products/suggest',
    '/products/{id}',
  ]);
  t.same(Object.keys(doc.paths['/products/{id}']).sort(), ['delete', 'get', 'patch', 'put']);
  const create = doc.paths['/products'].post;
  t.same(create.security, [{ bearerAuth: [] }]);
  const body = create.requestBody.content['application/json'].schema;
  t.match(body.properties.price.properties.amount, { type: 'string', pattern: String });
  t.equal(body.additionalProperties, false);
  t.ok(create.responses['409'], 'documents the conflict');
  const search = doc.paths['/products/search'].get.parameters.map((p: { name: string }) => p.name);
  t.match(search, ['q', 'page', 'pageSize', 'category', 'minPrice', 'maxPrice', 'active']);
  // Issue 15: facets and their filters, type-ahead, highlights.
  t.match(search.slice(7), ['author', 'availability', 'priceBand', 'facets']);
  const hit = doc.paths['/products/search'].get.responses['200'].content['application/json'].schema;
  t.ok(
    hit.properties.facets && hit.properties.selected && hit.properties.didYouMean && hit.properties.ignored,
    'facets, selected, didYouMean, ignored',
  );
  t.ok(hit.properties.items.items.properties.highlight, 'highlight per hit');
  const suggest = doc.paths['/products/suggest'].get;
  t.same(
    suggest.parameters.map((p: { name: string }) => p.name),
    ['q'],
  );
  t.equal(suggest.responses['200'].content['application/json'].schema.properties.suggestions.maxItems, 10);
  const ready = await c.app.inject({ url: '/readyz' });
  t.match(ready.json(), { status: 'ok', checks: { postgres: 'ok', rabbitmq: 'ok' } });
});
