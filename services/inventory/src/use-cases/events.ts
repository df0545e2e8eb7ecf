// The events inventory emits, built in one place.
import type { ProductStockLevel, StockLevelsChanged, StockLow, StockReleased } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { addToOutbox, type Envelope, envelope } from '@mercato/messaging';
import type { StockLevel } from '../domain/allocation.ts';
import { stockLevels } from '../domain/product-stock.ts';
import { afterChanges, lowStockAlerts, type StockChanges, touchedProducts } from '../domain/stock-changes.ts';

export const SOURCE = 'inventory';

export function stockLow(alerts: StockLow[], meta: { causationId?: string } = {}): Envelope<StockLow>[] {
  return alerts.map((data) => envelope('stock.low', data, { source: SOURCE, causationId: meta.causationId }));
}

/** stock.low for every product a reservation's change takes to its threshold. */
export function lowStockEvents(
  before: StockLevel[],
  changes: StockChanges,
  causationId: string | undefined,
): Envelope<StockLow>[] {
  const after = afterChanges(before, changes);
  return stockLow(lowStockAlerts(touchedProducts(before, changes), before, after), { causationId });
}

/** An admin change that takes a product to its threshold is as worth knowing as a sale that does. */
export function addStockLowIfFallen(
  em: EntityManager,
  productId: string,
  before: StockLevel[],
  after: StockLevel[],
): void {
  for (const event of stockLow(lowStockAlerts([productId], before, after))) addToOutbox(em, event);
}

export function stockReleased(orderId: string, reason: string, causationId: string): Envelope<StockReleased> {
  const data: StockReleased = { orderId, reason };
  return envelope('stock.released', data, { source: SOURCE, correlationId: orderId, causationId });
}

/**
 * stock.levels_changed: one per transaction that changed stock, with the level of every product it
 * touched (`rows`: every store's row of them, after the change; `versions`: the levels' new versions).
 */
export function stockLevelsChanged(
  productIds: Iterable<string>,
  rows: readonly StockLevel[],
  versions: ReadonlyMap<string, number>,
  meta: { causationId?: string } = {},
): Envelope<StockLevelsChanged>[] {
  const levels: ProductStockLevel[] = stockLevels(productIds, rows, versions);
  if (levels.length === 0) return [];
  return [envelope('stock.levels_changed', { levels }, { source: SOURCE, causationId: meta.causationId })];
}
