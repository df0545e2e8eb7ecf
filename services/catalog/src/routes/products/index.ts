// /products: public reads (list, search, by id, categories) and admin writes, with ETags.
import { type App, assertIfMatch, etag } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { CatalogStore, ProductInput } from '../../catalog-store.ts';
import { toProblem } from './problems.ts';
import {
  Category,
  CategoryBody,
  IdParam,
  IfMatchHeaders,
  ListQuery,
  ProblemSchema,
  Product,
  ProductBody,
  ProductPage,
  ProductPatch,
  SearchPage,
  SearchQuery,
} from './schemas.ts';

const adminSecurity = [{ bearerAuth: [] }];
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema };

export async function productRoutes(app: App, { store }: { store: CatalogStore }): Promise<void> {
  // onRequest: the token is checked before the body is even parsed, so an anonymous or customer
  // caller learns nothing about what a valid body looks like.
  const admin = app.requireRole('admin');
  const ifMatch = (request: FastifyRequest) => (version: number) => assertIfMatch(request, version);
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw toProblem(err);
    }
  };

  app.get(
    '/products/categories',
    {
      schema: {
        tags: ['categories'],
        summary: 'All categories',
        response: { 200: Type.Array(Category) },
      },
    },
    async () => run(() => store.listCategories()),
  );

  app.post(
    '/products/categories',
    {
      onRequest: admin,
      schema: {
        tags: ['categories'],
        summary: 'Create a category (admin)',
        security: adminSecurity,
        body: CategoryBody,
        response: { 201: Category, ...errors, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const category = await run(() => store.createCategory(request.body));
      reply.code(201).header('location', `/products/categories/${category.slug}`);
      return category;
    },
  );

  app.get(
    '/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Products, paged, filtered and sorted',
        querystring: ListQuery,
        response: { 200: ProductPage, 400: ProblemSchema },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, sort = 'name', order = 'asc', ...filters } = request.query;
      return run(() => store.listProducts({ filters, sort, order, page, pageSize }));
    },
  );

  app.get(
    '/products/search',
    {
      schema: {
        tags: ['products'],
        summary: 'Full-text search over name, description, category and author, tolerant of typos',
        querystring: SearchQuery,
        response: { 200: SearchPage, 400: ProblemSchema },
      },
    },
    async (request) => {
      const { q, page = 1, pageSize = 20, ...filters } = request.query;
      return run(() => store.searchProducts({ q, filters, page, pageSize }));
    },
  );

  app.get(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'One product (ETag = its version)',
        params: IdParam,
        response: { 200: Product, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const product = await run(() => store.getProduct(request.params.id));
      reply.header('etag', etag(product.version));
      return product;
    },
  );

  app.post(
    '/products',
    {
      onRequest: admin,
      schema: {
        tags: ['products'],
        summary: 'Create a product (admin)',
        security: adminSecurity,
        body: ProductBody,
        response: { 201: Product, ...errors, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const product = await run(() => store.createProduct(fullInput(request.body)));
      reply.code(201).header('location', `/products/${product.id}`).header('etag', etag(product.version));
      return product;
    },
  );

  app.put(
    '/products/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['products'],
        summary: 'Replace a product (admin; If-Match → 412 when stale)',
        security: adminSecurity,
        params: IdParam,
        headers: IfMatchHeaders,
        body: ProductBody,
        response: {
          200: Product,
          ...errors,
          404: ProblemSchema,
          409: ProblemSchema,
          412: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const product = await run(() =>
        store.updateProduct(request.params.id, fullInput(request.body), ifMatch(request)),
      );
      reply.header('etag', etag(product.version));
      return product;
    },
  );

  app.patch(
    '/products/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['products'],
        summary: 'Change some fields of a product (admin; If-Match → 412 when stale)',
        security: adminSecurity,
        params: IdParam,
        headers: IfMatchHeaders,
        body: ProductPatch,
        response: {
          200: Product,
          ...errors,
          404: ProblemSchema,
          409: ProblemSchema,
          412: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const product = await run(() => store.updateProduct(request.params.id, request.body, ifMatch(request)));
      reply.header('etag', etag(product.version));
      return product;
    },
  );

  app.delete(
    '/products/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['products'],
        summary: 'Delete a product (admin; If-Match → 412 when stale)',
        security: adminSecurity,
        params: IdParam,
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), ...errors, 404: ProblemSchema, 412: ProblemSchema },
      },
    },
    async (request, reply) => {
      await run(() => store.deleteProduct(request.params.id, ifMatch(request)));
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
