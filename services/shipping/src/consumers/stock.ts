// stock.reserved (queue <exchange>.shipping.stock): which stores hold the order's units (one parcel
// per store). The shipments are created here when order.confirmed is already in.
import type { StockReserved } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import type { ShipmentsContext } from '../use-cases/context.ts';
import { keepAllocations } from '../use-cases/create-shipments.ts';

export function stockHandlers(ctx: ShipmentsContext): {
  'stock.reserved': EventHandler<StockReserved, 'stock.reserved'>;
} {
  return {
    'stock.reserved': (event, em) => keepAllocations(ctx, em, event.data),
  };
}
