import { lineTotal, normalizeAmount } from '@mercato/contracts';
import type { ItemFields, OrderFields } from '../../orders.ts';
import type { OrderView, PaymentFailureView } from './schemas.ts';

/** The recorded payment failure with its retry deadline, if the order has one. */
export function paymentFailureView(
  order: Pick<OrderFields, 'paymentFailedAt' | 'paymentFailureReason'>,
  paymentRetryWindowMs: number,
): PaymentFailureView | undefined {
  if (!order.paymentFailedAt) return undefined;
  return {
    failedAt: order.paymentFailedAt.toISOString(),
    reason: order.paymentFailureReason ?? 'unknown',
    retryUntil: new Date(order.paymentFailedAt.getTime() + paymentRetryWindowMs).toISOString(),
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
    total: { amount: normalizeAmount(order.totalAmount), currency },
    shippingAddressId: order.shippingAddressId,
    paymentMethod: { type: order.paymentMethod.type },
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
  if (order.cancelReason) view.cancelReason = order.cancelReason;
  const payment = paymentFailureView(order, paymentRetryWindowMs);
  if (payment) view.payment = payment;
  return view;
}
