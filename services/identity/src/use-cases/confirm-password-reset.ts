import type { EntityManager } from '@mercato/db';
import { opaqueTokenDigest, problems } from '@mercato/kit';
import { assertStrongPassword, hashPassword } from '../domain/passwords.ts';
import { claimPasswordReset, findPasswordReset } from '../persistence/password-resets.ts';
import { findUser } from '../persistence/users.ts';
import { userUpdated } from './events.ts';
import type { Sessions } from './sessions.ts';

/**
 * Sets a new password with a password-reset token (single use, expires); every login of the user ends
 * in the same transaction (refresh tokens revoked with the new password or not at all), and their live
 * access tokens are deny-listed after the commit.
 */
export async function confirmPasswordReset(
  deps: { em: EntityManager; sessions: Sessions },
  input: { token: string; password: string },
): Promise<void> {
  const { em, sessions } = deps;
  const revoked = await em.transactional(async (tx) => {
    const reset = await findPasswordReset(tx, opaqueTokenDigest(input.token));
    const user = reset ? await findUser(tx, reset.userId) : null;
    if (!reset || !user?.active || reset.usedAt || reset.expiresAt <= new Date())
      throw problems.badRequest('The password-reset token is invalid, expired or already used', {
        errors: [{ path: 'body/token', message: 'is invalid, expired or already used' }],
      });
    assertStrongPassword(input.password, { email: user.email, username: user.username });
    if (!(await claimPasswordReset(tx, reset.id, new Date())))
      throw problems.badRequest('The password-reset token was already used');
    user.passwordHash = await hashPassword(input.password);
    user.updatedAt = new Date();
    await userUpdated(tx, user, ['password']);
    return sessions.revokeAllIn(tx, user.id);
  });
  await sessions.denyRevoked(revoked);
}
