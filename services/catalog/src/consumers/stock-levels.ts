// What catalog hears from inventory: the levels of products whose stock changed.
import type { StockLevelsChanged } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { recordStockLevels } from '../use-cases/availability.ts';

export const stockLevelsChanged: EventHandler<StockLevelsChanged, 'stock.levels_changed'> = (event, em) =>
  recordStockLevels(em, event.data.levels);
