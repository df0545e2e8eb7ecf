import { problems } from '@mercato/kit';
import { normalizeSearchText } from '../domain/search.ts';
import { type SearchHit, type SearchQuery, searchProductPage } from '../persistence/products.ts';
import type { PageResult } from '../persistence/views.ts';
import { pageWithAvailability, type WithAvailability } from './availability.ts';
import type { CatalogDeps } from './common.ts';
import { assertPriceRange } from './list-products.ts';

export async function searchProducts(
  deps: CatalogDeps,
  query: SearchQuery,
): Promise<PageResult<WithAvailability<SearchHit>>> {
  assertPriceRange(query.filters);
  const q = normalizeSearchText(query.q);
  if (q === '') throw problems.badRequest('q must contain something to search for');
  const normalized = { ...query, q };
  return pageWithAvailability(deps, await cachedPage(deps, normalized));
}

async function cachedPage(deps: CatalogDeps, query: SearchQuery): Promise<PageResult<SearchHit>> {
  const { value, key } = await deps.cache.getPage<PageResult<SearchHit>>('search', query);
  if (value) return value;
  const result = await deps.orm.em.fork().transactional((em) => searchProductPage(em, query));
  await deps.cache.setPage(key, result);
  return result;
}
