// E-mail verification rows: a single-use token (kept as a digest) per request; only the newest works.
import type { EntityManager } from '@mercato/db';
import { EmailVerification } from './entities.ts';

export function addEmailVerification(
  tx: EntityManager,
  row: { id: string; userId: string; tokenHash: string; expiresAt: Date; createdAt: Date },
): EmailVerification {
  return tx.create(EmailVerification, { ...row, usedAt: null });
}

/** A newer link (or a new address) voids the older ones at once. */
export async function expireOpenVerifications(tx: EntityManager, userId: string, now: Date): Promise<void> {
  await tx.nativeUpdate(
    EmailVerification,
    { userId, usedAt: null, expiresAt: { $gt: now } },
    { expiresAt: now },
  );
}

export function findEmailVerification(
  em: EntityManager,
  tokenHash: string,
): Promise<EmailVerification | null> {
  return em.findOne(EmailVerification, { tokenHash });
}

/** The user's newest verification, for the resend interval. */
export function newestEmailVerification(
  em: EntityManager,
  userId: string,
): Promise<EmailVerification | null> {
  return em.findOne(EmailVerification, { userId }, { orderBy: { createdAt: 'desc' } });
}

/** Claimed by a conditional update: two confirmations of one token cannot both succeed. */
export async function claimEmailVerification(tx: EntityManager, id: string, now: Date): Promise<boolean> {
  return (await tx.nativeUpdate(EmailVerification, { id, usedAt: null }, { usedAt: now })) > 0;
}
