// Inventory's stock levels: an out-of-stock product is never recommended
// (queue <exchange>.recommendations.stock-levels).
import type { StockLevelsChanged } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { recordStockLevels } from '../use-cases/read-models.ts';

export const stockLevelHandlers: {
  'stock.levels_changed': EventHandler<StockLevelsChanged, 'stock.levels_changed'>;
} = {
  'stock.levels_changed': (event, em) => recordStockLevels(em, event.data.levels),
};
