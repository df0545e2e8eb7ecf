// Inventory's and payments' answers about an order: confirmation, or cancellation / a retry window.
import type { EventHandlers, Logger } from '@mercato/messaging';
import { confirmPayment, failOrder, type OrderFlowOptions } from '../use-cases/order-flow.ts';

export function orderFlowHandlers(logger: Logger, opts: OrderFlowOptions): EventHandlers {
  return {
    'payment.succeeded': (event, em) => confirmPayment(em, event, logger),
    'payment.failed': (event, em) => failOrder(em, event, logger, opts),
    'stock.rejected': (event, em) => failOrder(em, event, logger, opts),
  };
}
