// What account erasure (user.erased) changes in orders' tables, in the consumer's transaction.
import type { EntityManager } from '@mercato/db';
import { schemaOf } from './sql.ts';

/**
 * Removes the shipping address snapshot of every order of `userId` (lines, totals and history stay),
 * marks them erased and bumps their version (the representation changed: a stale If-Match is 412).
 * Orders already erased are left alone, so a second erasure changes nothing. Returns how many changed.
 */
export async function eraseOrderAddresses(em: EntityManager, userId: string, at: Date): Promise<number> {
  const s = schemaOf(em);
  const rows: { id: string }[] = await em.execute(
    `update ${s}.orders set shipping_address = null, personal_data_erased_at = ?::timestamptz,
       updated_at = ?::timestamptz, version = version + 1
     where user_id = ? and (personal_data_erased_at is null or shipping_address is not null)
     returning id`,
    [at.toISOString(), at.toISOString(), userId],
  );
  return rows.length;
}

/**
 * Forgets the user's Idempotency-Key records of POST /orders: each keeps the 201 it answered, which
 * shows the shipping address.
 */
export async function deleteIdempotencyRecords(em: EntityManager, userId: string): Promise<number> {
  const rows: unknown[] = await em.execute(
    `delete from ${schemaOf(em)}.idempotency_key where user_id = ? returning key`,
    [userId],
  );
  return rows.length;
}
