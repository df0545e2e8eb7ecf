// Reactions to inventory and payments. Every handler checks the order's own state first (events of
// one order arrive late, twice, or out of order) and the orders service stays the authority on status.
import type { PaymentFailed, PaymentSucceeded, StockRejected } from '@mercato/contracts';
import type { EntityManager as SqlEntityManager } from '@mercato/db';
import { addToOutbox, type Envelope, envelope, type Logger } from '@mercato/messaging';
import type { EntityManager } from '@mikro-orm/core';
import {
  confirmPaid,
  emitCancelled,
  findOrderForUpdate,
  recordPaymentFailure,
  SOURCE,
  transition,
} from '../orders.ts';

export const ORDER_FLOW_EVENTS = ['stock.rejected', 'payment.failed', 'payment.succeeded'];

export interface OrderFlowOptions {
  /**
   * How long a PENDING order whose payment failed waits for the customer to pay again (the sweeper
   * cancels it afterwards). 0: payment.failed cancels the order at once.
   */
  paymentRetryWindowMs: number;
}

export function orderFlowHandler(logger: Logger, opts: OrderFlowOptions) {
  return async function handleOrderFlowEvent(event: Envelope, em: EntityManager): Promise<void> {
    const data = event.data as StockRejected | PaymentFailed | PaymentSucceeded;
    const context = { eventId: event.id, type: event.type, orderId: data.orderId };

    if (event.type === 'payment.succeeded') {
      // The common case, a PENDING order paid for its current revision, without loading the order.
      const cause = { cause: event.type, causationId: event.id };
      if (await confirmPaid(em as SqlEntityManager, data.orderId, data.revision, cause)) return;
      // Nothing confirmed: find out why (a PENDING order cannot be one of them any more: the status
      // never returns to PENDING and the revision only grows).
      const order = await findOrderForUpdate(em, data.orderId);
      if (!order) {
        // Deleted by an admin (which announced order.cancelled) before the capture landed: say it
        // again so payments refunds this capture too.
        logger.warn(context, 'payment captured for an unknown order; announcing its cancellation');
        await addToOutbox(
          em,
          envelope(
            'order.cancelled',
            { orderId: data.orderId, userId: data.userId, reason: 'admin', previousStatus: 'CANCELLED' },
            { source: SOURCE, correlationId: data.orderId, causationId: event.id },
          ),
        );
        return;
      }
      if (order.status === 'CANCELLED') {
        // Timed out or cancelled by the customer while the charge was in flight: never confirm;
        // order.cancelled again is what makes payments refund the capture.
        logger.info(context, 'payment captured for a cancelled order; announcing the cancellation again');
        await emitCancelled(em, order, order.cancelReason ?? 'timeout', 'CANCELLED', {
          causationId: event.id,
        });
        return;
      }
      if (data.revision < order.revision) {
        logger.info(
          { ...context, revision: data.revision, current: order.revision },
          'stale revision ignored',
        );
      }
      return; // otherwise already confirmed (or further): a duplicate
    }

    const order = await findOrderForUpdate(em, data.orderId);
    if (!order) {
      logger.warn(context, 'event for an unknown order ignored');
      return;
    }
    if (data.revision < order.revision) {
      // The lines changed since: inventory and payments are working on the newer revision.
      logger.info({ ...context, revision: data.revision, current: order.revision }, 'stale revision ignored');
      return;
    }
    if (order.status !== 'PENDING') return; // cancelled already, or confirmed: nothing to undo here
    if (event.type === 'payment.failed' && opts.paymentRetryWindowMs > 0) {
      // Not over yet: the customer may pay again (POST /payments) within the window; the stock stays
      // reserved, and the sweeper cancels the order (payment_failed) once the window has passed.
      const failure = data as PaymentFailed;
      recordPaymentFailure(em, order, failure.reason, event.type);
      logger.info({ ...context, reason: failure.reason }, 'payment failed; the order awaits a retry');
      return;
    }
    await transition(em, order, 'CANCELLED', {
      cause: event.type,
      cancelReason: event.type === 'stock.rejected' ? 'out_of_stock' : 'payment_failed',
      causationId: event.id,
    });
  };
}
