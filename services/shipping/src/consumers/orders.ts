// The orders events (queue <exchange>.shipping.orders): order.confirmed says where the order's parcels
// go, at which level, and what its lines were paid (a return refunds them); the shipments are created
// here when the stock's allocations are already in (see use-cases/create-shipments.ts).
// order.cancelled stops them: no shipments from then on, and parcels not picked up are cancelled.
import type { OrderCancelled, OrderConfirmed } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import type { ShipmentsContext } from '../use-cases/context.ts';
import { cancelShipments, keepConfirmation } from '../use-cases/create-shipments.ts';

export function orderHandlers(ctx: ShipmentsContext): {
  'order.confirmed': EventHandler<OrderConfirmed, 'order.confirmed'>;
  'order.cancelled': EventHandler<OrderCancelled, 'order.cancelled'>;
} {
  return {
    'order.confirmed': (event, em) => keepConfirmation(ctx, em, event.data),
    'order.cancelled': (event, em) => cancelShipments(ctx, em, event.data),
  };
}
