import { problems } from '@mercato/kit';
import { addToOutbox } from '@mercato/messaging';
import { bumpLevels, markAnnounced } from '../persistence/product-levels.ts';
import { level } from '../persistence/stocks.ts';
import {
  deleteStockOf,
  lockStore,
  productsStockedIn,
  rowsOfProducts,
  storeHoldsStock,
} from '../persistence/stores.ts';
import { stockLevelsChanged } from './events.ts';
import type { StockDeps } from './stocks.ts';

/**
 * Deletes a store and its empty stock rows; 409 while it holds goods or holds. The products it
 * stocked lose the store's low-stock threshold, which may change their availability: their levels
 * are announced like any other change of stock.
 */
export async function deleteStore(
  deps: StockDeps,
  input: { id: string; ifMatch?: (version: number) => void },
): Promise<void> {
  const productIds = await deps.orm.em.fork().transactional(async (tx) => {
    // Locked first: a return putting units in this store (restock-return.ts) either finishes before
    // (and the check below sees its units) or finds the store gone.
    const store = await lockStore(tx, input.id);
    if (!store) throw problems.notFound(`No store ${input.id}`);
    input.ifMatch?.(store.version);
    const productIds = await productsStockedIn(tx, store.id);
    // Locks the products' levels before the check, so no reservation takes goods in between.
    const versions = await bumpLevels(tx, productIds);
    // Goods or holds still in the store: deleting it would make them vanish from the books.
    if (await storeHoldsStock(tx, store.id))
      throw problems.conflict('The store still holds stock; move or write it off first');
    await deleteStockOf(tx, store.id);
    tx.remove(store);
    const after = (await rowsOfProducts(tx, productIds)).map(level);
    for (const event of stockLevelsChanged(productIds, after, versions)) addToOutbox(tx, event);
    await markAnnounced(tx, versions);
    return productIds;
  });
  await deps.stockCache.invalidate(productIds);
}
