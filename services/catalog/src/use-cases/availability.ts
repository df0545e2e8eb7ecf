// Availability on product reads: joined AFTER the product cache, from the read model inventory's
// stock.levels_changed feeds (one primary-key lookup per read, never a call to inventory). Cached
// products and pages are therefore never invalidated by a sale: stock moves far more often than
// products do, and a level must show within a second of its event.
import type { Availability, ProductStockLevel } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { availabilityOf, upsertLevels } from '../persistence/availability.ts';
import type { PageResult } from '../persistence/views.ts';
import type { CatalogDeps } from './common.ts';

export interface ProductAvailability {
  status: Availability;
  /** units available over every store; left out when the shop hides quantities (SHOW_STOCK_QUANTITY) */
  quantity?: number;
}

export type WithAvailability<T> = T & { availability: ProductAvailability };

/** A product inventory never announced any stock for: nothing can be bought. */
const NONE = { available: 0, availability: 'out_of_stock' as const };

export async function withAvailability<T extends { id: string }>(
  deps: CatalogDeps,
  items: readonly T[],
): Promise<WithAvailability<T>[]> {
  const levels = await availabilityOf(
    deps.orm.em.fork(),
    items.map((i) => i.id),
  );
  const showQuantity = deps.showStockQuantity ?? true;
  return items.map((item) => {
    const level = levels.get(item.id) ?? NONE;
    const availability: ProductAvailability = showQuantity
      ? { status: level.availability, quantity: level.available }
      : { status: level.availability };
    return { ...item, availability };
  });
}

export async function oneWithAvailability<T extends { id: string }>(
  deps: CatalogDeps,
  item: T,
): Promise<WithAvailability<T>> {
  const [one] = await withAvailability(deps, [item]);
  return one!;
}

export async function pageWithAvailability<T extends { id: string }>(
  deps: CatalogDeps,
  page: PageResult<T>,
): Promise<PageResult<WithAvailability<T>>> {
  return { ...page, items: await withAvailability(deps, page.items) };
}

/** stock.levels_changed, in the consumer's transaction: the newest version of each level wins. */
export async function recordStockLevels(
  em: EntityManager,
  levels: readonly ProductStockLevel[],
): Promise<void> {
  await upsertLevels(em, levels);
}
