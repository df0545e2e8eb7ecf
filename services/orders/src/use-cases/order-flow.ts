// Reactions to inventory and payments, run in the consumer's transaction. Every one checks the order's
// own state first (events of one order arrive late, twice, or out of order) and the orders service
// stays the authority on status.
import type { PaymentFailed, PaymentSucceeded, StockRejected } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope, Logger } from '@mercato/messaging';
import { retryUntil } from '../domain/order.ts';
import {
  confirmPaid,
  emitCancelled,
  emitPaymentDeclined,
  findOrderForUpdate,
  recordPaymentFailure,
  transition,
} from '../persistence/orders.ts';

export interface OrderFlowOptions {
  /**
   * How long a PENDING order whose payment failed waits for the customer to pay again (the sweeper
   * cancels it afterwards). 0: payment.failed cancels the order at once.
   */
  paymentRetryWindowMs: number;
}

/** PENDING → CONFIRMED for the current revision; never for a cancelled or deleted order. */
export async function confirmPayment(
  em: EntityManager,
  event: Envelope<PaymentSucceeded> & { type: 'payment.succeeded' },
  logger: Logger,
): Promise<void> {
  const { data } = event;
  const context = { eventId: event.id, type: event.type, orderId: data.orderId };
  // The common case, a PENDING order paid for its current revision, without loading the order.
  if (await confirmPaid(em, data.orderId, data.revision, { cause: event.type, causationId: event.id }))
    return;
  // Nothing confirmed: find out why (a PENDING order cannot be one of them any more: the status
  // never returns to PENDING and the revision only grows).
  const order = await findOrderForUpdate(em, data.orderId);
  if (!order) {
    // Deleted by an admin (which announced order.cancelled) before the capture landed: say it
    // again so payments refunds this capture too.
    logger.warn(context, 'payment captured for an unknown order; announcing its cancellation');
    emitCancelled(em, { id: data.orderId, userId: data.userId }, 'admin', 'CANCELLED', {
      causationId: event.id,
    });
    return;
  }
  if (order.status === 'CANCELLED') {
    // Timed out or cancelled by the customer while the charge was in flight: never confirm;
    // order.cancelled again is what makes payments refund the capture.
    logger.info(context, 'payment captured for a cancelled order; announcing the cancellation again');
    emitCancelled(em, order, order.cancelReason ?? 'timeout', 'CANCELLED', { causationId: event.id });
    return;
  }
  if (data.revision < order.revision) {
    logger.info({ ...context, revision: data.revision, current: order.revision }, 'stale revision ignored');
  }
  // otherwise already confirmed (or further): a duplicate
}

/**
 * stock.rejected: PENDING → CANCELLED (out_of_stock), also CONFIRMED → CANCELLED when inventory
 * reclaimed the hold of a declined order just as a retry paid it. payment.failed: the failure is
 * recorded, announced as order.payment_declined with its retry deadline, and the order awaits a
 * retry within the window (with a window of 0: → CANCELLED, payment_failed, no payment_declined).
 */
export async function failOrder(
  em: EntityManager,
  event:
    | (Envelope<StockRejected> & { type: 'stock.rejected' })
    | (Envelope<PaymentFailed> & { type: 'payment.failed' }),
  logger: Logger,
  opts: OrderFlowOptions,
): Promise<void> {
  const { data } = event;
  const context = { eventId: event.id, type: event.type, orderId: data.orderId };
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
  if (event.type === 'stock.rejected' && order.status === 'CONFIRMED') {
    // The hold of an order whose payment was declined is reclaimed when another order needs the
    // stock (inventory); a retry paid at that very moment confirmed it without stock. Never keep a
    // confirmed order nothing is held for: cancel it (out_of_stock), and order.cancelled makes
    // payments refund the capture.
    logger.warn(context, 'stock reclaimed from a confirmed order; cancelling it');
    await transition(em, order, 'CANCELLED', {
      cause: event.type,
      cancelReason: 'out_of_stock',
      causationId: event.id,
    });
    return;
  }
  if (order.status !== 'PENDING') return; // cancelled already, or further: nothing to undo here
  if (event.type === 'payment.failed' && opts.paymentRetryWindowMs > 0) {
    // Not over yet: the customer may pay again (POST /payments) within the window; the stock stays
    // reserved, and the sweeper cancels the order (payment_failed) once the window has passed.
    const at = new Date();
    recordPaymentFailure(em, order, event.data.reason, event.type, at);
    // The customer is told (order.payment_declined, in this transaction) until when they may pay
    // again: the window runs from the revision's first failure, so a declined retry repeats the same
    // deadline. A retry declined after the deadline promises nothing: the sweeper cancels the order.
    const until = retryUntil(order.paymentFailedAt ?? at, opts.paymentRetryWindowMs);
    if (until > at) emitPaymentDeclined(em, order, event.data.reason, until, { causationId: event.id });
    logger.info({ ...context, reason: event.data.reason }, 'payment failed; the order awaits a retry');
    return;
  }
  await transition(em, order, 'CANCELLED', {
    cause: event.type,
    cancelReason: event.type === 'stock.rejected' ? 'out_of_stock' : 'payment_failed',
    causationId: event.id,
  });
}
