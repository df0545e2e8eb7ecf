import { addToOutbox, envelope } from '@mercato/messaging';
import type { ProductInput } from '../domain/product-rules.ts';
import { insertProduct } from '../persistence/products.ts';
import { type ProductView, productView } from '../persistence/views.ts';
import { oneWithAvailability, type WithAvailability } from './availability.ts';
import {
  assertProductRules,
  type CatalogDeps,
  productSnapshot,
  productTransaction,
  SOURCE,
} from './common.ts';

export async function createProduct(
  deps: CatalogDeps,
  input: ProductInput,
): Promise<WithAvailability<ProductView>> {
  const next = { ...input, name: input.name.trim() };
  assertProductRules(next);
  const product = await productTransaction(deps, input, async (em) => {
    const created = await insertProduct(em, next);
    addToOutbox(em, envelope('product.created', productSnapshot(created), { source: SOURCE }));
    return created;
  });
  await deps.cache.invalidateProduct(product.id);
  // Inventory may have announced stock of this id before the product existed.
  return oneWithAvailability(deps, productView(product));
}
