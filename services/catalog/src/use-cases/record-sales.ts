// Popularity for search ranking: units sold per product, from order.confirmed, in the consumer's
// transaction (its inbox makes a redelivered order count once).
import type { EntityManager } from '@mercato/db';
import { addSales } from '../persistence/search.ts';

export async function recordSales(
  em: EntityManager,
  lines: readonly { productId: string; quantity: number }[],
): Promise<void> {
  const units = new Map<string, number>();
  for (const l of lines) units.set(l.productId, (units.get(l.productId) ?? 0) + l.quantity);
  await addSales(em, units);
}
