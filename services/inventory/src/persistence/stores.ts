// Queries on stores (the admin's side; the hot path is stock-ledger.ts).
import type { EntityManager } from '@mercato/db';
import { LockMode } from '@mikro-orm/core';
import { Stock, Store } from './entities.ts';

export const findStore = (em: EntityManager, id: string) => em.findOne(Store, { id });

/** findStore, locked for update until the commit (in a transaction). */
export const lockStore = (em: EntityManager, id: string) =>
  em.findOne(Store, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });

export function storePage(em: EntityManager, page: number, pageSize: number) {
  return em.findAndCount(
    Store,
    {},
    { orderBy: { code: 'asc' }, limit: pageSize, offset: (page - 1) * pageSize },
  );
}

/** Goods or holds still in the store. */
export async function storeHoldsStock(em: EntityManager, storeId: string): Promise<boolean> {
  const inUse = await em.count(Stock, { storeId, $or: [{ onHand: { $gt: 0 } }, { reserved: { $gt: 0 } }] });
  return inUse > 0;
}

/** Deletes the store's (empty) stock rows. */
export const deleteStockOf = (em: EntityManager, storeId: string) => em.nativeDelete(Stock, { storeId });

/** The products the store keeps a stock row of. */
export async function productsStockedIn(em: EntityManager, storeId: string): Promise<string[]> {
  const rows = await em.find(Stock, { storeId }, { fields: ['productId'], orderBy: { productId: 'asc' } });
  return rows.map((r) => r.productId);
}

/** Every store's row of the products. */
export const rowsOfProducts = (em: EntityManager, productIds: readonly string[]) =>
  productIds.length === 0 ? Promise.resolve([]) : em.find(Stock, { productId: { $in: [...productIds] } });
