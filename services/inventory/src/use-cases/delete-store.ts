import type { MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import { deleteStockOf, findStore, storeHoldsStock } from '../persistence/stores.ts';

/** Deletes a store and its empty stock rows; 409 while it holds goods or holds. */
export async function deleteStore(
  orm: MikroORM,
  input: { id: string; ifMatch?: (version: number) => void },
): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    const store = await findStore(tx, input.id);
    if (!store) throw problems.notFound(`No store ${input.id}`);
    input.ifMatch?.(store.version);
    // Goods or holds still in the store: deleting it would make them vanish from the books.
    if (await storeHoldsStock(tx, store.id))
      throw problems.conflict('The store still holds stock; move or write it off first');
    await deleteStockOf(tx, store.id);
    tx.remove(store);
  });
}
