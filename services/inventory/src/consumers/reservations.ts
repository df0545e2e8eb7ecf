// What inventory does when the order flow speaks: one typed handler per event, each calling its use
// case in the consumer's transaction.
import type {
  OrderCancelled,
  OrderPlaced,
  OrderStatusChanged,
  PaymentFailed,
  PaymentRetryStarted,
  ReturnReceived,
} from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { commitStock } from '../use-cases/commit-stock.ts';
import type { LedgerDeps } from '../use-cases/ledger.ts';
import { recordPaymentDeclined, recordPaymentRetryStarted } from '../use-cases/record-payment-news.ts';
import { releaseStock } from '../use-cases/release-stock.ts';
import { reserveStock } from '../use-cases/reserve-stock.ts';
import { restockReturn } from '../use-cases/restock-return.ts';

/** order.placed and order.lines_changed carry the same data: both reserve one revision. */
export const reserve =
  (deps: LedgerDeps): EventHandler<OrderPlaced, 'order.placed' | 'order.lines_changed'> =>
  (event, em) =>
    reserveStock(em, { order: event.data, causationId: event.id }, deps);

export const release =
  (deps: LedgerDeps): EventHandler<OrderCancelled, 'order.cancelled'> =>
  (event, em) =>
    releaseStock(em, { cancellation: event.data, causationId: event.id }, deps);

export const commit =
  (deps: LedgerDeps): EventHandler<OrderStatusChanged, 'order.shipped'> =>
  (event, em) =>
    commitStock(em, { shipment: event.data }, deps);

/** A declined payment makes the order's hold reclaimable; the hold itself stays (see README). */
export const paymentDeclined: EventHandler<PaymentFailed, 'payment.failed'> = (event, em) =>
  recordPaymentDeclined(em, {
    orderId: event.data.orderId,
    revision: event.data.revision,
    occurredAt: event.occurredAt,
  });

/** A customer pays again: the hold is kept for that attempt. */
export const paymentRetryStarted: EventHandler<PaymentRetryStarted, 'payment.retry_started'> = (event, em) =>
  recordPaymentRetryStarted(em, {
    orderId: event.data.orderId,
    revision: event.data.revision,
    occurredAt: event.occurredAt,
  });

/** A return the carrier delivered to a store: its units are on hand there again, once per return. */
export const restock =
  (deps: LedgerDeps): EventHandler<ReturnReceived, 'return.received'> =>
  (event, em) =>
    restockReturn(em, { returned: event.data, causationId: event.id }, deps);
