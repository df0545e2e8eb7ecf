// Queries on stock rows for the admin routes and the product read (the hot path is stock-ledger.ts).
import type { EntityManager } from '@mercato/db';
import type { StockLevel } from '../domain/allocation.ts';
import { Stock } from './entities.ts';

export const findStock = (em: EntityManager, id: string) => em.findOne(Stock, { id });

/** Every store's row of one product, by store. */
export const productRows = (em: EntityManager, productId: string) =>
  em.find(Stock, { productId }, { orderBy: { storeId: 'asc' } });

export function stockPage(
  em: EntityManager,
  filter: { productId?: string; storeId?: string },
  page: number,
  pageSize: number,
) {
  const where = {
    ...(filter.productId ? { productId: filter.productId } : {}),
    ...(filter.storeId ? { storeId: filter.storeId } : {}),
  };
  return em.findAndCount(Stock, where, {
    orderBy: { productId: 'asc', storeId: 'asc' },
    limit: pageSize,
    offset: (page - 1) * pageSize,
  });
}

/** A stock row as the domain sees it. */
export const level = (s: Stock): StockLevel => ({
  id: s.id,
  productId: s.productId,
  storeId: s.storeId,
  onHand: s.onHand,
  reserved: s.reserved,
  version: s.version,
  lowStockThreshold: s.lowStockThreshold,
});
