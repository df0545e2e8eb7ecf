// Every consumer of the recommendations service. Queue names are '<exchange>.recommendations.<name>'.
import type { ServiceContext } from '@mercato/service';
import type { ModelSettings } from '../use-cases/context.ts';
import { erasureHandlers } from './erasure.ts';
import { productHandlers } from './products.ts';
import { purchaseHandlers } from './purchases.ts';
import { stockLevelHandlers } from './stock-levels.ts';

export async function registerConsumers(ctx: ServiceContext, settings: ModelSettings): Promise<void> {
  await ctx.consume('purchases', purchaseHandlers(settings));
  await ctx.consume('products', productHandlers);
  await ctx.consume('stock-levels', stockLevelHandlers);
  await ctx.consume('erasure', erasureHandlers(ctx.logger));
}
