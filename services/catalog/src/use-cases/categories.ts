import { findCategories, insertCategory } from '../persistence/categories.ts';
import type { CategoryView } from '../persistence/views.ts';
import type { CatalogDeps } from './common.ts';

export async function listCategories(deps: CatalogDeps): Promise<CategoryView[]> {
  return findCategories(deps.orm.em.fork());
}

export async function createCategory(
  deps: CatalogDeps,
  input: { slug: string; name: string },
): Promise<CategoryView> {
  const category = await insertCategory(deps.orm.em.fork(), { slug: input.slug, name: input.name.trim() });
  // Categories appear in no cached entry, but list and search pages depend on them.
  await deps.cache.invalidatePages();
  return category;
}
