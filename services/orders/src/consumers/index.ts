import type { ServiceContext } from '@mercato/service';
import { addressCopyHandlers } from './addresses.ts';
import { erasureHandlers } from './erasure.ts';
import { orderFlowHandlers } from './order-flow.ts';
import { productPriceHandlers } from './product-prices.ts';
import { shipmentHandlers } from './shipments.ts';

/** Every consumer of the service; each has its own queue `<exchange>.orders.<name>`. */
export async function registerConsumers(
  ctx: ServiceContext,
  opts: {
    /** See OrderFlowOptions. */
    paymentRetryWindowMs: number;
  },
): Promise<void> {
  await ctx.consume('product-prices', productPriceHandlers);
  // Every reaction is a database write (no call out): under load the answers waiting for this
  // consumer are handled in one transaction, a commit for many.
  await ctx.consume('order-flow', orderFlowHandlers(ctx.logger, opts), { batchSize: 20 });
  await ctx.consume('erasure', erasureHandlers(ctx.logger));
  await ctx.consume('addresses', addressCopyHandlers);
  await ctx.consume('shipments', shipmentHandlers(ctx.logger));
}
