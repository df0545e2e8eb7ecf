// The rules the authorization matrix holds operations to, and how it reads them from a document.
import { adminOnly } from '@mercato/kit';
import t from 'tap';
import { markAdminOnlyRoute } from '../../libs/kit/src/http.ts';
import { expectedFor, expectedForMalformed, meets, operationsWithIds } from './access.ts';
import { exampleOf, providerFor } from './fixtures.ts';

const doc = {
  paths: {
    '/things': { get: { security: [{ bearerAuth: [] }] } },
    '/things/{id}': {
      get: { parameters: [{ in: 'path', name: 'id', schema: { type: 'string', format: 'uuid' } }] },
      put: {
        security: [{ bearerAuth: [] }],
        parameters: [{ $ref: '#/components/parameters/Id' }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
        },
      },
      delete: {
        security: [{ bearerAuth: [] }],
        'x-mercato-access': 'admin',
        parameters: [{ in: 'path', name: 'id', schema: { type: 'string' } }],
      },
    },
  },
  components: {
    parameters: { Id: { in: 'path', name: 'id', schema: { type: 'string', format: 'uuid' } } },
    schemas: { Thing: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
  },
};

t.test('operations with ids, their access from security and x-mercato-access', async (t) => {
  const ops = operationsWithIds(doc);
  t.same(
    ops.map((o) => [o.key, o.access, o.pathParams.map((p) => p.name)]),
    [
      ['GET /things/{id}', 'public', ['id']],
      ['PUT /things/{id}', 'owner', ['id']],
      ['DELETE /things/{id}', 'admin', ['id']],
    ],
    'no id, no row; no security → public; security → owner; the marker wins',
  );
  t.same(ops[1].bodySchema, doc.components.schemas.Thing, 'references are followed');
  t.throws(
    () =>
      operationsWithIds({
        paths: {
          '/x/{id}': { get: { 'x-mercato-access': 'everyone', parameters: [{ in: 'path', name: 'id' }] } },
        },
      }),
    /not one of/,
    'an unknown access value is an error, not a silent default',
  );
});

t.test('the expected status of each caller', async (t) => {
  const row = (access: Parameters<typeof expectedFor>[0]) =>
    (['anonymous', 'owner', 'another customer', 'admin'] as const).map((c) => expectedFor(access, c));
  t.same(row('public'), ['allowed', 'allowed', 'allowed', 'allowed']);
  t.same(row('user'), [401, 'allowed', 'allowed', 'allowed']);
  t.same(row('owner'), [401, 'allowed', 404, 'allowed']);
  t.same(row('admin'), [401, 403, 403, 'allowed']);
  t.same(row('self'), [401, 'allowed', 404, 404], "a path meaning 'mine': an admin's is another");
  t.equal(expectedForMalformed('self', 'admin'), 400);
  t.equal(expectedForMalformed('owner', 'anonymous'), 401, 'who asks before what they sent');
  t.equal(expectedForMalformed('admin', 'owner'), 403);
  t.equal(expectedForMalformed('owner', 'another customer'), 400, 'a malformed id cannot be looked up');
  t.equal(expectedForMalformed('public', 'anonymous'), 400);
  t.ok(meets('allowed', 409) && meets('allowed', 204) && !meets('allowed', 404) && !meets('allowed', 400));
});

t.test('id providers by path prefix, then by parameter name', async (t) => {
  t.ok(
    providerFor('PUT', '/orders/{id}/items/{itemId}', 'itemId'),
    'the whole template for the last parameter',
  );
  t.equal(
    providerFor('GET', '/orders/{id}/status', 'id'),
    providerFor('GET', '/orders/{id}', 'id'),
    'the prefix for the first',
  );
  t.ok(providerFor('GET', '/somewhere/{userId}', 'userId'), 'a parameter known by name anywhere');
  t.not(
    providerFor('GET', '/stocks/{id}', 'id'),
    providerFor('PUT', '/stocks/{id}', 'id'),
    'one template, two meanings by method',
  );
  t.notOk(providerFor('GET', '/widgets/{id}', 'id'), 'an unknown resource has none (the matrix then fails)');
});

t.test('bodies generated from a schema, or none when it takes knowledge', async (t) => {
  t.same(
    exampleOf({
      type: 'object',
      required: ['quantity', 'price', 'kind'],
      properties: {
        quantity: { type: 'integer', minimum: 1 },
        price: {
          type: 'object',
          required: ['amount'],
          properties: { amount: { type: 'string', examples: ['1.00'] } },
        },
        kind: { enum: ['a', 'b'] },
        note: { type: 'string' },
      },
    }),
    { quantity: 1, price: { amount: '1.00' }, kind: 'a' },
  );
  t.same(exampleOf({ type: 'object', minProperties: 1, properties: { active: { type: 'boolean' } } }), {
    active: true,
  });
  t.equal(
    exampleOf({ type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } }),
    undefined,
  );
  t.equal(exampleOf({ type: 'string', pattern: '^[A-Z]{3}$' }), undefined);
});

t.test('a route guarded by adminOnly is marked admin in its schema; others are left alone', async (t) => {
  const guarded = {
    onRequest: [async () => {}, adminOnly],
    schema: { summary: 'x' } as Record<string, unknown>,
  };
  markAdminOnlyRoute(guarded);
  t.same(guarded.schema, { summary: 'x', 'x-mercato-access': 'admin' });
  const asPreHandler = { preHandler: adminOnly } as { preHandler: unknown; schema?: Record<string, unknown> };
  markAdminOnlyRoute(asPreHandler);
  t.equal(asPreHandler.schema?.['x-mercato-access'], 'admin');
  const declared = {
    onRequest: adminOnly,
    schema: { 'x-mercato-access': 'user' } as Record<string, unknown>,
  };
  markAdminOnlyRoute(declared);
  t.equal(declared.schema['x-mercato-access'], 'user', 'an explicit marker wins');
  const open = { schema: {} as Record<string, unknown> };
  markAdminOnlyRoute(open);
  t.same(open.schema, {});
});
