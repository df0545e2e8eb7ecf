// return.received: the carrier delivered a return parcel to a store, so its units are on hand there
// again (sellable: nothing is reserved for them). Once per return, whatever the message id.
import type { ReturnReceived } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { addToOutbox } from '@mercato/messaging';
import { uuidv7 } from 'uuidv7';
import { mergeLines } from '../domain/allocation.ts';
import { bumpLevels, markAnnounced } from '../persistence/product-levels.ts';
import {
  addOnHand,
  claimReturn,
  lockExistingStores,
  originalStores,
  type Restock,
  recordReturnedLines,
} from '../persistence/returns.ts';
import { level } from '../persistence/stocks.ts';
import { rowsOfProducts } from '../persistence/stores.ts';
import { stockLevelsChanged } from './events.ts';
import type { LedgerDeps } from './ledger.ts';

/** No store to put a returned product in: the message is retried, then dead-lettered (logged). */
export class NoStoreForReturnError extends Error {
  override name = 'NoStoreForReturnError';
}

/**
 * Runs in the consumer's transaction (`em`). The units go to the return's store when it exists
 * (active or not: the parcel is physically there); if it was deleted meanwhile, each product goes
 * to the store the order's units of it were taken from (most units first) that still exists; if
 * none does, nothing changes and the message fails (retries, then the dead-letter queue with the
 * reason; an admin puts the units on hand with the stock routes).
 */
export async function restockReturn(
  em: EntityManager,
  input: { returned: ReturnReceived; causationId: string },
  deps: LedgerDeps,
): Promise<void> {
  const { returnId, orderId, storeId, lines, at } = input.returned;
  // The marker first: a second delivery of this return stops here (a concurrent one waits on it).
  if (!(await claimReturn(em, { returnId, orderId, storeId, receivedAt: at }))) return;
  const wanted = mergeLines(lines);
  const productIds = wanted.map((l) => l.productId);

  const targets = new Map<string, string>();
  if ((await lockExistingStores(em, [storeId])).has(storeId)) {
    for (const id of productIds) targets.set(id, storeId);
  } else {
    const original = await originalStores(em, orderId, productIds);
    const existing = await lockExistingStores(em, [...original.values()].flat());
    for (const id of productIds) {
      const store = original.get(id)?.find((s) => existing.has(s));
      if (!store)
        throw new NoStoreForReturnError(
          `return ${returnId}: store ${storeId} is gone and no store of order ${orderId} that held product ${id} exists`,
        );
      targets.set(id, store);
    }
  }

  // First: locks the products' levels (as the admin paths do), so the rows read after the change
  // are the current ones and the level announced is exactly its version's.
  const versions = await bumpLevels(em, productIds);
  const restocks: Restock[] = wanted.map((l) => ({
    newStockId: uuidv7(),
    productId: l.productId,
    storeId: targets.get(l.productId)!,
    quantity: l.quantity,
  }));
  const stockIds = await addOnHand(em, restocks);
  await recordReturnedLines(
    em,
    returnId,
    restocks.map((r) => ({ ...r, id: uuidv7(), stockId: stockIds.get(r.productId)! })),
  );
  // Announced in this transaction, like an admin's change (a return is as rare): no wait for the
  // coalescing publisher, and marked announced so it does not announce it again.
  const after = (await rowsOfProducts(em, productIds)).map(level);
  for (const event of stockLevelsChanged(productIds, after, versions, { causationId: input.causationId }))
    addToOutbox(em, event);
  await markAnnounced(em, versions);
  // The cached levels are dropped after the commit.
  deps.touched(em, productIds);
}
