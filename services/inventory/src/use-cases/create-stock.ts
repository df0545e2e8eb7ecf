import { problems } from '@mercato/kit';
import { addToOutbox } from '@mercato/messaging';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { Stock } from '../persistence/entities.ts';
import { bumpLevels, markAnnounced } from '../persistence/product-levels.ts';
import { level, productRows } from '../persistence/stocks.ts';
import { findStore } from '../persistence/stores.ts';
import { addStockLowIfFallen, stockLevelsChanged } from './events.ts';
import type { StockDeps } from './stocks.ts';

export interface NewStock {
  productId: string;
  storeId: string;
  onHand: number;
  lowStockThreshold?: number;
}

/** A product's stock in one store: 422 for an unknown store, 409 if the row exists. */
export async function createStock(deps: StockDeps, input: NewStock): Promise<Stock> {
  const stock = await deps.orm.em.fork().transactional(async (tx) => {
    const store = await findStore(tx, input.storeId);
    if (!store) throw problems.unprocessable(`No store ${input.storeId}`);
    // First: locks the product's level, so the rows read next are the current ones.
    const versions = await bumpLevels(tx, [input.productId]);
    const before = (await productRows(tx, input.productId)).map(level);
    const now = new Date();
    const created = tx.create(Stock, {
      id: uuidv7(),
      productId: input.productId,
      storeId: input.storeId,
      onHand: input.onHand,
      reserved: 0,
      lowStockThreshold: input.lowStockThreshold ?? 0,
      createdAt: now,
      updatedAt: now,
    });
    const after = [...before, level(created)];
    addStockLowIfFallen(tx, input.productId, before, after);
    for (const event of stockLevelsChanged([input.productId], after, versions)) addToOutbox(tx, event);
    await markAnnounced(tx, versions);
    try {
      await tx.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException)
        throw problems.conflict(`Stock for product ${input.productId} in store ${input.storeId} exists`);
      throw err;
    }
    return created;
  });
  await deps.stockCache.invalidate([stock.productId]);
  return stock;
}
