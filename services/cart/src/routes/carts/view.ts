import type { PricedCart } from '../../domain/cart.ts';
import type { CartView } from './schemas.ts';

export function toCartView(priced: PricedCart): CartView {
  const { cart } = priced;
  return {
    id: cart.id,
    userId: cart.userId,
    version: cart.version,
    lines: priced.lines.map((l) => ({
      id: l.id,
      productId: l.productId,
      name: l.name,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      addedUnitPrice: l.addedUnitPrice,
      lineTotal: l.lineTotal,
      ...(l.availability ? { availability: l.availability, available: l.available } : {}),
      flags: l.flags,
      changes: l.changes,
      counted: l.counted,
      addedAt: l.addedAt.toISOString(),
    })),
    total: priced.total,
    itemCount: priced.itemCount,
    createdAt: cart.createdAt.toISOString(),
    updatedAt: cart.updatedAt.toISOString(),
    ...(cart.expiresAt ? { expiresAt: cart.expiresAt.toISOString() } : {}),
  };
}
