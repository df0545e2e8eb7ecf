// Reading stock: the admin's list of rows, and a product's level (what every product page asks).
import type { MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import { type ProductStock, productStock } from '../domain/product-stock.ts';
import type { StockCache } from '../persistence/stock-cache.ts';
import { level, productRows, stockPage } from '../persistence/stocks.ts';

export interface StockDeps {
  orm: MikroORM;
  stockCache: StockCache;
}

export async function listStocks(
  orm: MikroORM,
  query: { productId?: string; storeId?: string; page: number; pageSize: number },
) {
  const [items, total] = await stockPage(orm.em.fork(), query, query.page, query.pageSize);
  return { items, total };
}

/** A product's level, from the cache when it holds the current one; `cached` says which. */
export async function getProductStock(
  deps: StockDeps,
  productId: string,
): Promise<{ level: ProductStock; cached: boolean }> {
  const cached = await deps.stockCache.get<ProductStock>(productId);
  if (cached?.hit) return { level: cached.hit, cached: true };
  const rows = await productRows(deps.orm.em.fork(), productId);
  if (rows.length === 0) throw problems.notFound(`No stock is kept for product ${productId}`);
  const result = productStock(productId, rows.map(level));
  if (cached) await deps.stockCache.set(productId, cached.generation, result);
  return { level: result, cached: false };
}
