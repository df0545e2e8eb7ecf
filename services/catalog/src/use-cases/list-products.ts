import { problems } from '@mercato/kit';
import { comparePrices } from '../domain/price.ts';
import { type ListQuery, listProductPage, type ProductFilters } from '../persistence/products.ts';
import type { PageResult, ProductView } from '../persistence/views.ts';
import { pageWithAvailability, type WithAvailability } from './availability.ts';
import type { CatalogDeps } from './common.ts';

export async function listProducts(
  deps: CatalogDeps,
  query: ListQuery,
): Promise<PageResult<WithAvailability<ProductView>>> {
  assertPriceRange(query.filters);
  return pageWithAvailability(deps, await cachedPage(deps, query));
}

async function cachedPage(deps: CatalogDeps, query: ListQuery): Promise<PageResult<ProductView>> {
  const { value, key } = await deps.cache.getPage<PageResult<ProductView>>('list', query);
  if (value) return value;
  const result = await listProductPage(deps.orm.em.fork(), query);
  await deps.cache.setPage(key, result);
  return result;
}

export function assertPriceRange(filters: ProductFilters): void {
  if (filters.minPrice !== undefined && filters.maxPrice !== undefined) {
    if (comparePrices(filters.minPrice, filters.maxPrice) > 0) {
      throw problems.badRequest('minPrice must not be greater than maxPrice');
    }
  }
}
