// Every consumer of catalog (queues `<exchange>.catalog.<name>`).
import type { ServiceContext } from '@mercato/service';
import { orderConfirmed } from './product-sales.ts';
import { stockLevelsChanged } from './stock-levels.ts';

export async function registerConsumers(ctx: ServiceContext): Promise<void> {
  // The availability read model: product reads show it without asking inventory.
  await ctx.consume('stock-levels', { 'stock.levels_changed': stockLevelsChanged });
  // Popularity for search ranking: units sold per product. One per confirmed order, nothing outside
  // the database and no hurry: under load the waiting ones go in one transaction.
  await ctx.consume('product-sales', { 'order.confirmed': orderConfirmed }, { batchSize: 20 });
}
