// /products/categories: the public list and the admin's create.
import { type App, adminOnly, bearer, errorResponses } from '@mercato/kit';
import { Type } from 'typebox';
import { Category, CategoryBody } from './schemas.ts';

export default async function categoryRoutes(app: App): Promise<void> {
  // onRequest: the token is checked before the body is even parsed, so an anonymous or customer
  // caller learns nothing about what a valid body looks like.
  const admin = [app.authenticate, adminOnly];

  app.get(
    '',
    {
      schema: {
        tags: ['categories'],
        summary: 'All categories',
        response: { 200: Type.Array(Category) },
      },
    },
    async () => app.catalog.listCategories(),
  );

  app.post(
    '',
    {
      onRequest: admin,
      schema: {
        tags: ['categories'],
        summary: 'Create a category (admin)',
        security: bearer,
        body: CategoryBody,
        response: { 201: Category, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const category = await app.catalog.createCategory(request.body);
      reply.code(201).header('location', `/products/categories/${category.slug}`);
      return category;
    },
  );
}
