import { problems } from '@mercato/kit';
import { addToOutbox } from '@mercato/messaging';
import { OptimisticLockError } from '@mikro-orm/core';
import type { Stock } from '../persistence/entities.ts';
import { bumpLevelOfStock, markAnnounced } from '../persistence/product-levels.ts';
import { findStock, level, productRows } from '../persistence/stocks.ts';
import { addStockLowIfFallen, stockLevelsChanged } from './events.ts';
import type { StockDeps } from './stocks.ts';

export interface StockRowChanges {
  onHand?: number;
  lowStockThreshold?: number;
}

/**
 * Replaces or changes one stock row (by its id). `ifMatch` checks the client's precondition against
 * the current version (412 when stale); 422 if onHand would fall below what is reserved.
 */
export async function changeStock(
  deps: StockDeps,
  input: { id: string; changes: StockRowChanges; ifMatch?: (version: number) => void },
): Promise<Stock> {
  const { id, changes } = input;
  // Reservations bump the version all the time: without If-Match the admin means "whatever the
  // version", so a clash with a reservation is retried here rather than bounced to the client.
  for (let attempt = 1; ; attempt++) {
    try {
      const stock = await deps.orm.em.fork().transactional(async (tx) => {
        // First: locks the product's level, so the rows read next are the current ones.
        const versions = await bumpLevelOfStock(tx, id);
        const stock = await findStock(tx, id);
        if (!stock) throw problems.notFound(`No stock row ${id}`);
        input.ifMatch?.(stock.version);
        const before = (await productRows(tx, stock.productId)).map(level);
        const onHand = changes.onHand ?? stock.onHand;
        if (onHand < stock.reserved)
          throw problems.unprocessable(
            `onHand ${onHand} is below the ${stock.reserved} units reserved for orders`,
            { reserved: stock.reserved },
          );
        stock.onHand = onHand;
        stock.lowStockThreshold = changes.lowStockThreshold ?? stock.lowStockThreshold;
        stock.updatedAt = new Date();
        const after = before.map((r) => (r.id === stock.id ? level(stock) : r));
        addStockLowIfFallen(tx, stock.productId, before, after);
        for (const event of stockLevelsChanged([stock.productId], after, versions)) addToOutbox(tx, event);
        await markAnnounced(tx, versions);
        return stock;
      });
      await deps.stockCache.invalidate([stock.productId]);
      return stock;
    } catch (err) {
      if (!(err instanceof OptimisticLockError)) throw err;
      if (input.ifMatch)
        throw problems.preconditionFailed('The stock row was changed meanwhile; read it again');
      if (attempt >= 5) throw problems.conflict('The stock row is changing too fast; try again');
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}
