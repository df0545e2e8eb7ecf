import { problems } from '@mercato/kit';
import { findProduct } from '../persistence/products.ts';
import { type ProductView, productView } from '../persistence/views.ts';
import { oneWithAvailability, type WithAvailability } from './availability.ts';
import type { CatalogDeps } from './common.ts';

export async function getProduct(deps: CatalogDeps, id: string): Promise<WithAvailability<ProductView>> {
  return oneWithAvailability(deps, await cachedProduct(deps, id));
}

async function cachedProduct(deps: CatalogDeps, id: string): Promise<ProductView> {
  const { value: cached, key } = await deps.cache.getProduct<ProductView>(id);
  if (cached) return cached;
  const product = await findProduct(deps.orm.em.fork(), id);
  if (!product) throw problems.notFound(`No product ${id}`);
  const view = productView(product);
  await deps.cache.setProduct(key, view);
  return view;
}
