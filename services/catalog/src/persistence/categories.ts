// The category table.
import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { Category } from './entities.ts';
import { type CategoryView, categoryView } from './views.ts';

export async function findCategories(em: EntityManager): Promise<CategoryView[]> {
  const rows = await em.find(Category, {}, { orderBy: { slug: 'asc' } });
  return rows.map(categoryView);
}

/** Inserts the category now; a taken slug is a 409. */
export async function insertCategory(
  em: EntityManager,
  input: { slug: string; name: string },
): Promise<CategoryView> {
  const category = em.create(Category, {
    id: uuidv7(),
    slug: input.slug,
    name: input.name,
    createdAt: new Date(),
  });
  try {
    await em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      throw problems.conflict(`A category with slug "${input.slug}" already exists`);
    }
    throw err;
  }
  return categoryView(category);
}
