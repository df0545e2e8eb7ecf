import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { InjectOptions } from 'fastify';
import t, { type Test } from 'tap';
import { Type } from 'typebox';
import { boundedSchema, openApiPath, operationIdFor, patternMaxLength } from '../src/contract.ts';
import {
  bearer,
  createService,
  errorResponses,
  etag,
  IdParam,
  IfMatchHeader,
  Page,
  PageQuery,
} from '../src/index.ts';
import { CONTRACT_VIOLATION_TYPE, responseCheckEnabled, responseMismatches } from '../src/response-check.ts';

const ID = '0190a5b2-0000-7000-8000-000000000002';
const Thing = Type.Object({
  id: Type.String({ format: 'uuid' }),
  count: Type.Integer({ minimum: 0 }),
  version: Type.Integer({ minimum: 1 }),
});
const Other = Type.Object({ id: Type.String({ format: 'uuid' }) });

async function thingsService(t: Test) {
  const app = await createService({ name: 'contract-test', logLevel: 'silent' });
  t.teardown(() => app.close());
  await app.register(
    async (plugin) => {
      const things = plugin.withTypeProvider<TypeBoxTypeProvider>();
      things.get('/', { schema: { querystring: PageQuery, response: { 200: Page(Thing) } } }, async () => ({
        items: [],
        page: 1,
        pageSize: 20,
        total: 0,
      }));
      things.post(
        '/',
        {
          schema: {
            security: bearer,
            body: Type.Object({ count: Type.Integer(), code: Type.String({ pattern: '^[A-Z]{3}$' }) }),
            response: { 201: Thing, ...errorResponses(409) },
          },
        },
        async (request, reply) => {
          // count 7: forgets the Location header the document promises on 201.
          if (request.body.count !== 7) reply.header('location', `/things/${ID}`);
          return reply
            .code(201)
            .header('etag', etag(1))
            .send({ id: ID, count: request.body.count, version: 1 });
        },
      );
      things.get(
        '/:id',
        { schema: { params: IdParam, response: { 200: Thing } } },
        async (request, reply) => {
          const { id } = request.params;
          // Each of these breaks the document in one way.
          if (id.endsWith('1')) return reply.code(418 as 200).send({ id, count: 1, version: 1 });
          if (id.endsWith('3')) return reply.type('text/plain').send('just text' as never);
          if (id.endsWith('4')) return { id: 'not-a-uuid', count: 1, version: 1 };
          return reply.header('etag', etag(1)).send({ id, count: 1, version: 1 });
        },
      );
      things.patch(
        '/:id',
        {
          schema: {
            params: IdParam,
            headers: IfMatchHeader,
            body: Type.Object({}),
            response: { 200: Thing },
          },
        },
        async (request, reply) => {
          if (request.params.id.endsWith('5')) return { id: request.params.id, count: 2, version: 2 }; // no ETag
          return reply.header('etag', etag(2)).send({ id: request.params.id, count: 2, version: 2 });
        },
      );
      // Conditional too, but its body is not the versioned resource: no ETag promised.
      things.put(
        '/:id',
        {
          schema: {
            params: IdParam,
            headers: IfMatchHeader,
            body: Type.Object({}),
            response: { 200: Other },
          },
        },
        async (request) => ({ id: request.params.id }),
      );
    },
    { prefix: '/things' },
  );
  await app.ready();
  return app;
}

t.test('the document: problems, headers, ids, tags, security, bounds, one spelling per path', async (t) => {
  const app = await thingsService(t);
  const doc = (await app.inject({ url: '/docs/json' })).json();

  t.same(
    Object.keys(doc.paths).sort(),
    ['/things', '/things/{id}'],
    "a route declared as '/' has no trailing slash",
  );
  const list = doc.paths['/things'].get;
  const create = doc.paths['/things'].post;
  const read = doc.paths['/things/{id}'].get;
  const patch = doc.paths['/things/{id}'].patch;

  t.equal(list.operationId, 'getThings');
  t.equal(read.operationId, 'getThingsById');
  t.same(read.tags, ['things']);
  t.ok(
    doc.tags.some((tag: { name: string }) => tag.name === 'things'),
    'every tag used is listed',
  );

  t.same(list.security, [{}], 'a route without a token requirement says anonymous is allowed');
  t.equal(list['x-mercato-access'], 'public');
  t.same(create.security, [{ bearerAuth: [] }]);
  t.match(doc.components.securitySchemes.bearerAuth.description, /RFC8725/);

  t.same(
    Object.keys(list.responses).sort(),
    ['200', '400', '500', '503'],
    'query input: 400; always 500, 503',
  );
  t.same(Object.keys(create.responses).sort(), [
    '201',
    '400',
    '401',
    '403',
    '409',
    '413',
    '415',
    '500',
    '503',
  ]);
  t.same(Object.keys(read.responses).sort(), ['200', '400', '404', '500', '503'], 'a path parameter: 404');
  for (const [status, response] of Object.entries<{ content: object }>(create.responses)) {
    if (status === '201') continue;
    t.same(Object.keys(response.content), ['application/problem+json'], `${status} is problem+json`);
  }
  t.same(Object.keys(create.responses['201'].content), ['application/json']);

  t.ok(read.responses['200'].headers['x-request-id'].required, 'x-request-id on every response');
  t.ok(read.responses['404'].headers['x-request-id']);
  t.ok(create.responses['201'].headers.location.required, 'Location on 201');
  t.ok(read.responses['200'].headers.etag.required, 'ETag where the resource takes If-Match (GET)');
  t.ok(patch.responses['200'].headers.etag.required, 'and on the conditional update');
  t.ok(create.responses['201'].headers.etag, 'and on the creation of such a resource');
  t.notOk(list.responses['200'].headers.etag, 'not on the collection');
  t.notOk(doc.paths['/things/{id}'].put.responses['200'].headers.etag, 'not on a body without a version');

  const body = create.requestBody.content['application/json'].schema;
  t.match(body.properties.count, { minimum: -2147483648, maximum: 2147483647, format: 'int32' });
  t.equal(body.properties.code.maxLength, 3, "a pattern's implied length becomes maxLength");
  t.equal(read.parameters.find((p: { name: string }) => p.name === 'id').schema.maxLength, 36);
  t.equal(list.responses['200'].content['application/json'].schema.properties.items.maxItems, 100);
});

t.test('the bounds are validated too, not only documented', async (t) => {
  const app = await thingsService(t);
  const res = await app.inject({ method: 'POST', url: '/things', payload: { count: 2 ** 31, code: 'ABC' } });
  t.equal(res.statusCode, 400);
  t.match(res.json().errors, [{ path: 'body/count' }]);
  // The shared schema the route used is left as it was (a copy was bounded).
  t.equal((PageQuery.properties.page as { maximum?: number }).maximum !== 2147483647, true);
});

t.test('responses are held to the document under tests', async (t) => {
  t.equal(process.env.TAP, '1', 'tap runs this file with TAP=1, which turns the check on');
  const app = await thingsService(t);

  const good = await app.inject({ url: `/things/${ID}` });
  t.equal(good.statusCode, 200, 'a response that matches passes untouched');
  t.same(good.json(), { id: ID, count: 1, version: 1 });

  const cases: [string, InjectOptions, RegExp][] = [
    [
      'an undeclared status',
      { url: '/things/0190a5b2-0000-7000-8000-000000000001' },
      /status 418 is not declared/,
    ],
    [
      'an undeclared content type',
      { url: '/things/0190a5b2-0000-7000-8000-000000000003' },
      /content type text\/plain/,
    ],
    ['a body that fails its schema', { url: '/things/0190a5b2-0000-7000-8000-000000000004' }, /body \/id/],
    [
      'a declared header missing (Location on 201)',
      { method: 'POST', url: '/things', payload: { count: 7, code: 'ABC' } },
      /header location is declared but missing/,
    ],
    [
      'a declared header missing (ETag)',
      { method: 'PATCH', url: '/things/0190a5b2-0000-7000-8000-000000000005', payload: {} },
      /header etag is declared but missing/,
    ],
  ];
  for (const [what, request, reason] of cases) {
    const res = await app.inject(request);
    t.equal(res.statusCode, 500, `${what}: 500`);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
    t.equal(res.json().type, CONTRACT_VIOLATION_TYPE);
    t.match(res.json().detail, reason, what);
  }

  const problem = await app.inject({ url: '/things/not-a-uuid' });
  t.equal(problem.statusCode, 400, 'the kit’s own problems match the document');
  const created = await app.inject({ method: 'POST', url: '/things', payload: { count: 1, code: 'ABC' } });
  t.equal(created.statusCode, 201);
  const unknown = await app.inject({ url: '/nothing-here' });
  t.equal(unknown.statusCode, 404, 'routes the document does not list are not checked');
});

t.test('when the check is on', async (t) => {
  t.equal(responseCheckEnabled({ TAP: '1' }), true);
  t.equal(responseCheckEnabled({}), false, 'off in production');
  t.equal(responseCheckEnabled({ MERCATO_VALIDATE_RESPONSES: '1' }), true);
  t.equal(responseCheckEnabled({ TAP: '1', MERCATO_VALIDATE_RESPONSES: '0' }), false);
});

t.test('responseMismatches on its own', async (t) => {
  const operation = {
    responses: {
      '204': { headers: {} },
      '4XX': { content: { 'application/problem+json': { schema: { type: 'object', required: ['type'] } } } },
    },
  };
  const none = { hasHeader: () => true };
  t.same(responseMismatches(operation, { ...none, status: 204 }), []);
  t.match(responseMismatches(operation, { ...none, status: 204, body: 'x', contentType: 'text/plain' }), [
    /declares no body/,
  ]);
  t.same(
    responseMismatches(operation, {
      ...none,
      status: 409,
      contentType: 'application/problem+json; charset=utf-8',
      body: '{"type":"x"}',
    }),
    [],
    'a status range matches',
  );
  t.match(
    responseMismatches(operation, {
      ...none,
      status: 409,
      contentType: 'application/problem+json',
      body: '{}',
    }),
    [/body/],
  );
  t.match(responseMismatches(operation, { ...none, status: 500 }), [/status 500 is not declared/]);
});

t.test('helpers', async (t) => {
  t.equal(openApiPath('/orders/:id/items/:itemId'), '/orders/{id}/items/{itemId}');
  t.equal(openApiPath('/stocks/'), '/stocks');
  t.equal(openApiPath('/'), '/');
  t.equal(operationIdFor('get', '/auth/.well-known/jwks.json'), 'getAuthWellKnownJwksJson');
  t.equal(operationIdFor('put', '/orders/{id}/items/{itemId}'), 'putOrdersByIdItemsByItemId');
  t.equal(patternMaxLength('^[A-Z]{3}$'), 3);
  t.equal(patternMaxLength('^(0|[1-9][0-9]{0,9})(\\.[0-9]{1,2})?$'), 13);
  t.equal(patternMaxLength('^-?\\d+$'), undefined, 'unbounded');
  t.equal(patternMaxLength('[a-z]{3}'), undefined, 'not anchored');
  const bounded = boundedSchema(Type.Object({ n: Type.Integer({ minimum: 0, maximum: 2 ** 40 }) }));
  t.equal((bounded.properties.n as { format?: string }).format, 'int64', 'beyond int32: int64');
  t.equal(Reflect.get(bounded, '~kind'), 'Object', "TypeBox's hidden kind is kept");
});
