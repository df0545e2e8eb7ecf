// The order path's events (queue <exchange>.notifications.orders): order placed, payment declined,
// confirmed, invoice issued (PDF attached), cancelled (with any refund), refunded, shipped, delivered.
// The recipient comes from the read model of users: an order of a user not known yet throws, and the
// consumer's delayed retry brings it back once user.registered has arrived.
import type {
  InvoiceIssued,
  OrderCancelled,
  OrderConfirmed,
  OrderLine,
  OrderLinesChanged,
  OrderPaymentDeclined,
  OrderPlaced,
  OrderStatusChanged,
  PaymentRefunded,
} from '@mercato/contracts';
import { lineTotal } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { recordOrder, recordOrderStatement } from '../persistence/read-models.ts';
import type { NotificationContext } from '../use-cases/context.ts';
import { queueMail } from '../use-cases/queue-mail.ts';
import { recipientOf, recipientWithOrder } from '../use-cases/recipients.ts';

const withTotals = (lines: OrderLine[]) =>
  lines.map((l) => ({
    ...l,
    lineTotal: { amount: lineTotal(l.unitPrice.amount, l.quantity), currency: l.unitPrice.currency },
  }));

const CANCEL_REASONS: Record<string, string> = {
  out_of_stock: 'some items were out of stock',
  payment_failed: 'the payment did not go through in time',
  customer: 'you cancelled it',
  timeout: 'it was not paid in time',
  admin: 'our staff cancelled it',
};

/** Statuses in which the order had been paid (a cancellation then refunds it). */
const PAID = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);

export function orderHandlers(ctx: NotificationContext): {
  'order.placed': EventHandler<OrderPlaced, 'order.placed'>;
  'order.lines_changed': EventHandler<OrderLinesChanged, 'order.lines_changed'>;
  'order.payment_declined': EventHandler<OrderPaymentDeclined, 'order.payment_declined'>;
  'order.confirmed': EventHandler<OrderConfirmed, 'order.confirmed'>;
  'invoice.issued': EventHandler<InvoiceIssued, 'invoice.issued'>;
  'order.cancelled': EventHandler<OrderCancelled, 'order.cancelled'>;
  'payment.refunded': EventHandler<PaymentRefunded, 'payment.refunded'>;
  'order.shipped': EventHandler<OrderStatusChanged, 'order.shipped'>;
  'order.delivered': EventHandler<OrderStatusChanged, 'order.delivered'>;
} {
  return {
    'order.placed': async (event, em) => {
      const to = await recipientOf(em, event.data.userId);
      if (!to) return;
      const { orderId, userId, lines, total } = event.data;
      await queueMail(ctx, em, {
        event,
        template: 'order-placed',
        userId,
        recipient: to.email,
        data: { name: to.name ?? undefined, orderId, lines: withTotals(lines), total },
        // The read model for the later mails, written by the record's own insert statement.
        alongside: recordOrderStatement(em, event.data),
      });
    },
    'order.lines_changed': async (event, em) => {
      await recordOrder(em, event.data);
    },
    'order.payment_declined': async (event, em) => {
      const to = await recipientOf(em, event.data.userId);
      if (!to) return;
      const { orderId, userId, total, reason, retryUntil } = event.data;
      await queueMail(ctx, em, {
        event,
        template: 'payment-declined',
        userId,
        recipient: to.email,
        data: { name: to.name ?? undefined, orderId, total, reason, retryUntil },
      });
    },
    'order.confirmed': async (event, em) => {
      const { orderId, userId, total } = event.data;
      // order.confirmed carries its lines; older ones without names get them from the placed order
      // (read with the recipient), and only those need it.
      const unnamed = event.data.lines.some((l) => l.productName === undefined);
      const to = unnamed ? await recipientWithOrder(em, userId, orderId) : await recipientOf(em, userId);
      if (!to) return;
      const view = to.order;
      const names = new Map(view?.lines.map((l) => [l.productId, l.productName]) ?? []);
      const lines = event.data.lines.map((l) => ({
        ...l,
        productName: l.productName ?? names.get(l.productId),
      }));
      await queueMail(ctx, em, {
        event,
        template: 'order-confirmed',
        userId,
        recipient: to.email,
        data: { name: to.name ?? undefined, orderId, lines: withTotals(lines), total },
      });
    },
    // The PDF is fetched by the sender at send time (and the mail waits while it cannot be).
    'invoice.issued': async (event, em) => {
      const to = await recipientOf(em, event.data.userId);
      if (!to) return;
      const { invoiceId, number, orderId, userId, total, issuedAt, downloadToken } = event.data;
      await queueMail(ctx, em, {
        event,
        template: 'invoice-issued',
        userId,
        recipient: to.email,
        data: { name: to.name ?? undefined, orderId, number, total, issuedAt },
        attachments: downloadToken
          ? [{ kind: 'invoice-pdf', invoiceId, token: downloadToken, filename: `invoice-${number}.pdf` }]
          : [],
      });
    },
    'order.cancelled': async (event, em) => {
      const { orderId, userId, reason, previousStatus } = event.data;
      // Only a paid order's mail names an amount (its refund): only then is the placed order read.
      const paid = PAID.has(previousStatus);
      const to = paid ? await recipientWithOrder(em, userId, orderId) : await recipientOf(em, userId);
      if (!to) return;
      const refund = paid ? (to.order?.total ?? null) : null;
      await queueMail(ctx, em, {
        event,
        template: 'order-cancelled',
        userId,
        recipient: to.email,
        data: {
          name: to.name ?? undefined,
          orderId,
          reasonText: CANCEL_REASONS[reason] ?? reason,
          refund,
          refundUnderWay: paid,
        },
      });
    },
    'payment.refunded': async (event, em) => {
      const to = await recipientOf(em, event.data.userId);
      if (!to) return;
      const { orderId, userId, amount } = event.data;
      await queueMail(ctx, em, {
        event,
        template: 'payment-refunded',
        userId,
        recipient: to.email,
        data: { name: to.name ?? undefined, orderId, amount },
      });
    },
    'order.shipped': async (event, em) => {
      const { orderId, userId } = event.data;
      const to = await recipientWithOrder(em, userId, orderId);
      if (!to) return;
      const view = to.order;
      await queueMail(ctx, em, {
        event,
        template: 'order-shipped',
        userId,
        recipient: to.email,
        data: {
          name: to.name ?? undefined,
          orderId,
          ...(view ? { lines: withTotals(view.lines), total: view.total } : {}),
        },
      });
    },
    'order.delivered': async (event, em) => {
      const to = await recipientOf(em, event.data.userId);
      if (!to) return;
      const { orderId, userId } = event.data;
      await queueMail(ctx, em, {
        event,
        template: 'order-delivered',
        userId,
        recipient: to.email,
        data: { name: to.name ?? undefined, orderId },
      });
    },
  };
}
