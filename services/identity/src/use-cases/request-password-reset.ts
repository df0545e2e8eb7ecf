import type { EntityManager } from '@mercato/db';
import { uuidv7 } from 'uuidv7';
import { normalizeEmail } from '../domain/accounts.ts';
import { digest, newOpaqueToken } from '../domain/secrets.ts';
import { addPasswordReset, expireOpenResets } from '../persistence/password-resets.ts';
import { findUserByEmail } from '../persistence/users.ts';
import { passwordResetRequested } from './events.ts';

/**
 * For an active user, a single-use token that travels in `user.password_reset_requested` (the
 * notifications service e-mails it). Nothing tells the caller whether the address is registered.
 */
export async function requestPasswordReset(
  em: EntityManager,
  email: string,
  ttlSeconds: number,
): Promise<void> {
  await em.transactional(async (tx) => {
    const user = await findUserByEmail(tx, normalizeEmail(email));
    if (!user?.active) return;
    const token = newOpaqueToken();
    const now = new Date();
    await expireOpenResets(tx, user.id, now);
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    addPasswordReset(tx, {
      id: uuidv7(),
      userId: user.id,
      tokenHash: digest(token),
      expiresAt,
      createdAt: now,
    });
    await passwordResetRequested(tx, user, token, expiresAt);
  });
}
