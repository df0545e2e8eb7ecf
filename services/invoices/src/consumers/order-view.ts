// order.placed / order.lines_changed → the order's read model; its invoice if the order is already paid.
import type { OrderPlaced } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { recordOrder } from '../use-cases/record-order.ts';

export const onOrderEvent: EventHandler<OrderPlaced, 'order.placed' | 'order.lines_changed'> = (event, em) =>
  recordOrder(em, event.data, event.id);
