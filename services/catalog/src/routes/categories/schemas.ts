// One TypeBox schema per shape: it validates the request, types the handler and documents the route.
import { Type } from 'typebox';

/** What products and URLs refer to a category by: 'books'. */
export const Slug = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 60, examples: ['books'] });

export const Category = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const CategoryBody = Type.Object(
  {
    slug: Slug,
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  },
  { additionalProperties: false },
);
