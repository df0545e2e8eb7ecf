// Orders confirmed, cancelled and returned, as the model learns and unlearns them
// (queue <exchange>.recommendations.purchases).
import type { OrderCancelled, OrderConfirmed, ReturnReceived } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import type { ModelSettings } from '../use-cases/context.ts';
import {
  learnConfirmedOrder,
  unlearnCancelledOrder,
  unlearnReturnedLines,
} from '../use-cases/learn-purchases.ts';

export function purchaseHandlers(settings: ModelSettings): {
  'order.confirmed': EventHandler<OrderConfirmed, 'order.confirmed'>;
  'order.cancelled': EventHandler<OrderCancelled, 'order.cancelled'>;
  'return.received': EventHandler<ReturnReceived, 'return.received'>;
} {
  return {
    'order.confirmed': async (event, em) => {
      await learnConfirmedOrder(em, settings, event.data, new Date(event.occurredAt));
    },
    'order.cancelled': async (event, em) => {
      await unlearnCancelledOrder(em, event.data);
    },
    'return.received': async (event, em) => {
      await unlearnReturnedLines(em, event.data);
    },
  };
}
