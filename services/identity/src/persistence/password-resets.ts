// Password-reset rows: a single-use token (kept as a digest) per request.
import type { EntityManager } from '@mercato/db';
import { PasswordReset } from './entities.ts';

/** Only the newest link works: an older e-mail lying around in an inbox is no key any more. */
export async function expireOpenResets(tx: EntityManager, userId: string, now: Date): Promise<void> {
  await tx.nativeUpdate(PasswordReset, { userId, usedAt: null }, { expiresAt: now });
}

export function addPasswordReset(
  tx: EntityManager,
  row: { id: string; userId: string; tokenHash: string; expiresAt: Date; createdAt: Date },
): PasswordReset {
  return tx.create(PasswordReset, { ...row, usedAt: null });
}

export function findPasswordReset(em: EntityManager, tokenHash: string): Promise<PasswordReset | null> {
  return em.findOne(PasswordReset, { tokenHash });
}

/** Claimed by a conditional update: two confirmations of one token cannot both succeed. */
export async function claimPasswordReset(tx: EntityManager, id: string, now: Date): Promise<boolean> {
  return (await tx.nativeUpdate(PasswordReset, { id, usedAt: null }, { usedAt: now })) > 0;
}
