// Inventory's stock levels, as the cart shows availability and flags short lines by
// (queue <exchange>.cart.stock-levels).
import type { StockLevelsChanged } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { recordStockLevels } from '../use-cases/read-models.ts';

export const stockLevelHandlers: {
  'stock.levels_changed': EventHandler<StockLevelsChanged, 'stock.levels_changed'>;
} = {
  'stock.levels_changed': (event, em) => recordStockLevels(em, event.data.levels),
};
