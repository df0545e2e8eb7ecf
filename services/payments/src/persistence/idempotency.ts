// Payments' own Idempotency-Key mechanism (POST /payments and POST /payments/{id}/refunds, one store
// per user): the request fingerprint, the stored records, and their expiry. Everything of it lives in
// this module so that moving to @mercato/idempotency is one swap.
// Not the provider's idempotency keys (`payment.idempotency_key`): those belong to the payments.
import { createHash } from 'node:crypto';
import { deleteExpiredRows, type EntityManager, type ExpiryOptions, type MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import { IdempotencyRecord } from './entities.ts';

/** What identifies a request's body for its Idempotency-Key: the same key with another one is a 422. */
export const fingerprintOf = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** The first request's resource for a reused Idempotency-Key; 422 if the key came with another body. */
export async function replayed(
  em: EntityManager,
  userId: string,
  key: string | undefined,
  fingerprint: string,
): Promise<string | undefined> {
  if (!key) return undefined;
  const record = await em.findOne(IdempotencyRecord, { userId, key });
  if (!record) return undefined;
  if (record.fingerprint !== fingerprint)
    throw problems.unprocessable('This Idempotency-Key was already used with a different request', {
      idempotencyKey: key,
    });
  return record.resourceId;
}

/**
 * Remembers the key with the resource it created, in `em`'s unit of work (so with that resource).
 * The same key committed first by a concurrent request makes the commit fail with a unique violation.
 */
export function rememberKey(
  em: EntityManager,
  userId: string,
  key: string | undefined,
  fingerprint: string,
  resourceId: string,
): void {
  if (key) em.create(IdempotencyRecord, { userId, key, fingerprint, resourceId, createdAt: new Date() });
}

export type KeyExpiryOptions = Pick<ExpiryOptions, 'batchSize' | 'maxBatches' | 'stopped'>;

/** Deletes the Idempotency-Key records older than `ttlHours`; returns how many went. */
export function deleteExpiredIdempotencyKeys(
  orm: MikroORM,
  ttlHours: number,
  opts: KeyExpiryOptions = {},
): Promise<number> {
  return deleteExpiredRows(orm, {
    table: 'idempotency_key',
    column: 'created_at',
    olderThanHours: ttlHours,
    ...opts,
  });
}
