import { lineTotal, normalizeAmount } from '../../domain/money.ts';
import type { ItemFields, OrderFields } from '../../orders.ts';
import type { OrderView } from './schemas.ts';

export function toOrderView(order: OrderFields, items: readonly ItemFields[]): OrderView {
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
  return view;
}
