import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import { assertStrongPassword, hashPassword } from '../domain/passwords.ts';
import { digest } from '../domain/secrets.ts';
import { claimPasswordReset, findPasswordReset } from '../persistence/password-resets.ts';
import { findUser } from '../persistence/users.ts';
import { userUpdated } from './events.ts';
import type { Sessions } from './sessions.ts';

/** Sets a new password with a password-reset token (single use); every login of the user ends. */
export async function confirmPasswordReset(
  deps: { em: EntityManager; sessions: Sessions },
  input: { token: string; password: string },
): Promise<void> {
  const { em, sessions } = deps;
  const userId = await em.transactional(async (tx) => {
    const reset = await findPasswordReset(tx, digest(input.token));
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
    return user.id;
  });
  await sessions.revokeAllOf(em, userId);
}
