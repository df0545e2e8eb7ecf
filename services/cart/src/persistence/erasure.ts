// What account erasure (user.erased) removes from the cart's tables, in the consumer's transaction.
import type { EntityManager } from '@mercato/db';
import { table } from './sql.ts';

/**
 * Deletes the user's cart (its lines go with it: `on delete cascade`) and the stored answers of their
 * checkout Idempotency-Keys (an order as orders answered it, shipping address included). Returns
 * how many of each were deleted; a second run finds nothing.
 */
export async function deleteUserCartData(
  em: EntityManager,
  userId: string,
): Promise<{ carts: number; idempotencyKeys: number }> {
  const carts: unknown[] = await em.execute(
    `delete from ${table(em, 'cart')} where user_id = ? returning id`,
    [userId],
  );
  const keys: unknown[] = await em.execute(
    `delete from ${table(em, 'idempotency_key')} where user_id = ? returning key`,
    [userId],
  );
  return { carts: carts.length, idempotencyKeys: keys.length };
}
