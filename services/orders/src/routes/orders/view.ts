import { lineTotal, normalizeAmount } from '@mercato/contracts';
import type { ItemFields, OrderFields } from '../../domain/order.ts';
import { retryUntil } from '../../domain/order.ts';
import { shippingChargeOf, subtotalOf } from '../../domain/shipping.ts';
import type { OrderStatus } from '../../domain/status.ts';
import type { OrderView, PaymentFailureView, StatusView } from './schemas.ts';

/** The recorded payment failure with its retry deadline, if the order has one. */
export function paymentFailureView(
  order: Pick<OrderFields, 'paymentFailedAt' | 'paymentFailureReason'>,
  paymentRetryWindowMs: number,
): PaymentFailureView | undefined {
  if (!order.paymentFailedAt) return undefined;
  return {
    failedAt: order.paymentFailedAt.toISOString(),
    reason: order.paymentFailureReason ?? 'unknown',
    retryUntil: retryUntil(order.paymentFailedAt, paymentRetryWindowMs).toISOString(),
  };
}

export function toOrderView(
  order: OrderFields,
  items: readonly ItemFields[],
  paymentRetryWindowMs: number,
): OrderView {
  const currency = order.currency.trim();
  const view: OrderView = {
    id: order.id,
    userId: order.userId,
    status: order.status,
    revision: order.revision,
    version: order.version,
    lines: items.map((i) => ({
      id: i.id,
      productId: i.productId,
      name: i.productName,
      quantity: i.quantity,
      unitPrice: { amount: normalizeAmount(i.unitAmount), currency },
      lineTotal: { amount: lineTotal(i.unitAmount, i.quantity), currency },
    })),
    subtotal: { amount: subtotalOf(order.totalAmount, order.shippingAmount), currency },
    shipping: shippingChargeOf(order) ?? null,
    total: { amount: normalizeAmount(order.totalAmount), currency },
    shippingAddressId: order.shippingAddressId,
    paymentMethod: { type: order.paymentMethod.type },
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
  if (order.shippingAddress) view.shippingAddress = { ...order.shippingAddress };
  else if (order.personalDataErasedAt) view.shippingAddress = null;
  if (order.cancelReason) view.cancelReason = order.cancelReason;
  const payment = paymentFailureView(order, paymentRetryWindowMs);
  if (payment) view.payment = payment;
  return view;
}

export function toStatusView(
  order: OrderFields,
  history: readonly { fromStatus?: OrderStatus | null; toStatus: OrderStatus; at: Date; cause: string }[],
  paymentRetryWindowMs: number,
): StatusView {
  const payment = paymentFailureView(order, paymentRetryWindowMs);
  return {
    orderId: order.id,
    status: order.status,
    ...(order.cancelReason ? { cancelReason: order.cancelReason } : {}),
    ...(payment ? { payment } : {}),
    history: history.map((h) => ({
      from: h.fromStatus ?? null,
      to: h.toStatus,
      at: h.at.toISOString(),
      cause: h.cause,
    })),
  };
}
