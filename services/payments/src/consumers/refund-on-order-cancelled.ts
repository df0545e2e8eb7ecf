// order.cancelled → refund whatever was captured for the order and remember the cancellation
// (refundCancelledOrder); the worker is woken once there is a refund to send.
import type { OrderCancelled } from '@mercato/contracts';
import type { AfterCommit } from '@mercato/db';
import type { EventHandler } from '@mercato/messaging';
import { refundCancelledOrder } from '../use-cases/refund-cancelled-order.ts';

export function refundOnOrderCancelled(opts: {
  afterCommit: AfterCommit;
  onRecorded: () => void;
}): EventHandler<OrderCancelled, 'order.cancelled'> {
  return async (event, em) => {
    // Woken once the refund row is committed, so the worker finds it.
    if (await refundCancelledOrder(em, event.data, event.id)) opts.afterCommit(em, opts.onRecorded);
  };
}
