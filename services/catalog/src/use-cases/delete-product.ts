import type { ProductDeleted } from '@mercato/contracts';
import { problems } from '@mercato/kit';
import { addToOutbox, envelope } from '@mercato/messaging';
import { lockProduct, removeProduct } from '../persistence/products.ts';
import { type CatalogDeps, productTransaction, SOURCE, type VersionCheck } from './common.ts';

export async function deleteProduct(deps: CatalogDeps, id: string, check?: VersionCheck): Promise<void> {
  await productTransaction(deps, {}, async (em) => {
    const current = await lockProduct(em, id);
    if (!current) throw problems.notFound(`No product ${id}`);
    check?.(current.version);
    // The deletion is newer than the last snapshot: consumers order it after that one.
    const deleted: ProductDeleted = { productId: id, version: current.version + 1 };
    removeProduct(em, current);
    addToOutbox(em, envelope('product.deleted', deleted, { source: SOURCE }));
  });
  await deps.cache.invalidateProduct(id);
}
