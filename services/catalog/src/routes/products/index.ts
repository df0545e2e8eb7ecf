// /products: public reads (list, search, by id) and admin writes, with ETags.
import {
  type App,
  adminOnly,
  assertIfMatch,
  bearer,
  errorResponses,
  etag,
  IdParam,
  IfMatchHeader,
} from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import type { ProductInput } from '../../domain/product-rules.ts';
import {
  ListQuery,
  Product,
  ProductBody,
  ProductPage,
  ProductPatch,
  SearchPage,
  SearchQuery,
  Suggestions,
  SuggestQuery,
} from './schemas.ts';

export default async function productRoutes(app: App): Promise<void> {
  // onRequest: the token is checked before the body is even parsed, so an anonymous or customer
  // caller learns nothing about what a valid body looks like.
  const admin = [app.authenticate, adminOnly];
  const ifMatch = (request: FastifyRequest) => (version: number) => assertIfMatch(request, version);
  // Public routes that show more to an admin: a token, when sent, must be valid (401 otherwise).
  const viewerOf = async (request: FastifyRequest, reply: FastifyReply): Promise<'admin' | 'customer'> => {
    if (request.headers.authorization === undefined) return 'customer';
    await app.authenticate(request, reply);
    return request.user.role === 'admin' ? 'admin' : 'customer';
  };

  app.get(
    '',
    {
      schema: {
        tags: ['products'],
        summary: 'Products, paged, filtered and sorted',
        querystring: ListQuery,
        response: { 200: ProductPage, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, sort = 'name', order = 'asc', ...filters } = request.query;
      return app.catalog.listProducts({ filters, sort, order, page, pageSize });
    },
  );

  app.get(
    '/search',
    {
      schema: {
        tags: ['products'],
        summary: 'Search: typo-tolerant, ranked, with facets, highlights and "did you mean"',
        description:
          'Every word must match (title, author, other text attributes, category, description), stemmed in the catalog language; words of 5+ letters forgive one typo, of 9+ two (a word no product holds: counted on the longer word it may stand for, "qeen" for "queen"), never ranked above exact matches; the last word also matches as a prefix. A word that matches nothing even corrected is left out when it would empty the result (`ignored` names it). Customers only ever see active products; an admin token may ask for `active=false`.',
        querystring: SearchQuery,
        response: { 200: SearchPage, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { q, page = 1, pageSize = 20, facets, ...filters } = request.query;
      const viewer = await viewerOf(request, reply);
      return app.catalog.searchProducts({ q, filters, page, pageSize, facets, viewer });
    },
  );

  app.get(
    '/suggest',
    {
      schema: {
        tags: ['products'],
        summary: 'Type-ahead: up to 10 completions (titles, authors, categories) of what is typed',
        description:
          'Titles, authors and categories of active products whose words match the words typed, the last one as a prefix; those that begin with the text first, then the available and best-selling. Cached per normalised text until the next product write.',
        querystring: SuggestQuery,
        response: { 200: Suggestions, ...errorResponses(400) },
      },
    },
    async (request) => app.catalog.suggestProducts({ q: request.query.q }),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'One product (ETag = its version)',
        params: IdParam,
        response: { 200: Product, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const product = await app.catalog.getProduct(request.params.id);
      reply.header('etag', etag(product.version));
      return product;
    },
  );

  app.post(
    '',
    {
      onRequest: admin,
      schema: {
        tags: ['products'],
        summary: 'Create a product (admin)',
        security: bearer,
        body: ProductBody,
        response: { 201: Product, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const product = await app.catalog.createProduct(fullInput(request.body));
      reply.code(201).header('location', `/products/${product.id}`).header('etag', etag(product.version));
      return product;
    },
  );

  // PUT and PATCH are one update: they differ only in what they set, PUT every field (omitted
  // optional ones take their defaults), PATCH the fields given.
  const updateSchema = <B extends TSchema>(summary: string, body: B) => ({
    tags: ['products'],
    summary,
    security: bearer,
    params: IdParam,
    headers: IfMatchHeader,
    body,
    response: { 200: Product, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
  });
  const update = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    changes: Partial<ProductInput>,
  ) => {
    const product = await app.catalog.updateProduct(id, changes, ifMatch(request));
    reply.header('etag', etag(product.version));
    return product;
  };

  app.put(
    '/:id',
    {
      onRequest: admin,
      schema: updateSchema('Replace a product (admin; If-Match → 412 when stale)', ProductBody),
    },
    async (request, reply) => update(request, reply, request.params.id, fullInput(request.body)),
  );

  app.patch(
    '/:id',
    {
      onRequest: admin,
      schema: updateSchema(
        'Change some fields of a product (admin; If-Match → 412 when stale)',
        ProductPatch,
      ),
    },
    async (request, reply) => update(request, reply, request.params.id, request.body),
  );

  app.delete(
    '/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['products'],
        summary: 'Delete a product (admin; If-Match → 412 when stale)',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await app.catalog.deleteProduct(request.params.id, ifMatch(request));
      reply.code(204);
    },
  );
}

/** POST/PUT bodies with their defaults filled in: PUT replaces the whole product. */
function fullInput(body: {
  name: string;
  description?: string;
  category: string;
  price: ProductInput['price'];
  attributes?: ProductInput['attributes'];
  active?: boolean;
}): ProductInput {
  return {
    name: body.name,
    description: body.description ?? '',
    category: body.category,
    price: body.price,
    attributes: body.attributes ?? {},
    active: body.active ?? true,
  };
}
