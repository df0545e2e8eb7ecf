import { problems } from '@mercato/kit';
import { addToOutbox, envelope } from '@mercato/messaging';
import type { ProductInput } from '../domain/product-rules.ts';
import { lockProduct, saveProduct } from '../persistence/products.ts';
import { type ProductView, productView } from '../persistence/views.ts';
import { oneWithAvailability, type WithAvailability } from './availability.ts';
import {
  assertProductRules,
  type CatalogDeps,
  productSnapshot,
  productTransaction,
  SOURCE,
  type VersionCheck,
} from './common.ts';

/**
 * Sets the fields in `changes` and keeps the others: a replacement (PUT) passes every field, a
 * partial change (PATCH) some of them.
 */
export async function updateProduct(
  deps: CatalogDeps,
  id: string,
  changes: Partial<ProductInput>,
  check?: VersionCheck,
): Promise<WithAvailability<ProductView>> {
  const product = await productTransaction(deps, changes, async (em) => {
    const current = await lockProduct(em, id);
    if (!current) throw problems.notFound(`No product ${id}`);
    check?.(current.version);
    const next: ProductInput = {
      name: changes.name?.trim() ?? current.name,
      description: changes.description ?? current.description,
      category: changes.category ?? current.category,
      price: changes.price ?? { amount: current.price, currency: current.currency },
      attributes: changes.attributes ?? current.attributes,
      active: changes.active ?? current.active,
    };
    assertProductRules(next);
    await saveProduct(em, current, next); // bumps the version
    addToOutbox(em, envelope('product.updated', productSnapshot(current), { source: SOURCE }));
    return current;
  });
  await deps.cache.invalidateProduct(id);
  return oneWithAvailability(deps, productView(product));
}
