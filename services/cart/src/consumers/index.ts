// Every consumer of the cart service. Queue names are '<exchange>.cart.<name>': keep them as they are.
import type { ServiceContext } from '@mercato/service';
import { erasureHandlers } from './erasure.ts';
import { productHandlers } from './products.ts';
import { stockLevelHandlers } from './stock-levels.ts';

export async function registerConsumers(ctx: ServiceContext): Promise<void> {
  await ctx.consume('products', productHandlers);
  await ctx.consume('stock-levels', stockLevelHandlers);
  await ctx.consume('erasure', erasureHandlers(ctx.logger));
}
