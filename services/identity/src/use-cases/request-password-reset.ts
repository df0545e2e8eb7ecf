import type { EntityManager } from '@mercato/db';
import { newOpaqueToken, opaqueTokenDigest } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import { normalizeEmail } from '../domain/accounts.ts';
import { addPasswordResetRequest } from '../persistence/password-reset-requests.ts';
import { addPasswordReset, expireOpenResets } from '../persistence/password-resets.ts';
import { findUserByEmail } from '../persistence/users.ts';
import { passwordResetRequested } from './events.ts';

/**
 * POST /auth/password-reset: queues the address, nothing more. The same statement runs whether or not
 * the address is registered, so neither the answer nor its time tells (the worker in
 * workers/password-reset-requests.ts does the rest).
 */
export async function requestPasswordReset(em: EntityManager, email: string): Promise<void> {
  await addPasswordResetRequest(em, normalizeEmail(email));
}

/**
 * For an active user, a single-use token that travels in `user.password_reset_requested` (the
 * notifications service e-mails it); for any other address nothing. In the worker's transaction.
 */
export async function issuePasswordReset(
  tx: EntityManager,
  email: string,
  ttlSeconds: number,
): Promise<void> {
  const user = await findUserByEmail(tx, normalizeEmail(email));
  if (!user?.active) return;
  const token = newOpaqueToken();
  const now = new Date();
  await expireOpenResets(tx, user.id, now);
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  addPasswordReset(tx, {
    id: uuidv7(),
    userId: user.id,
    tokenHash: opaqueTokenDigest(token),
    expiresAt,
    createdAt: now,
  });
  await passwordResetRequested(tx, user, token, expiresAt);
}
