import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import { normalizeEmail } from '../domain/accounts.ts';
import { assertStrongPassword, hashPassword, verifyPassword } from '../domain/passwords.ts';
import type { User } from '../persistence/entities.ts';
import { assertUnique, flushUnique } from '../persistence/users.ts';
import { withVersionCheck } from '../persistence/version-check.ts';
import { currentUser } from './accounts.ts';
import { userUpdated } from './events.ts';
import type { Sessions } from './sessions.ts';

export interface ProfileChanges {
  name?: string | null;
  username?: string;
  email?: string;
  password?: string;
  currentPassword?: string;
}

/**
 * The caller changes their own profile; a new password needs the current one and ends the caller's
 * other logins. `assertVersion` is the caller's precondition on the row version (If-Match).
 */
export async function updateProfile(
  deps: { em: EntityManager; sessions: Sessions },
  caller: { userId: string; jti: string },
  body: ProfileChanges,
  assertVersion: (version: number) => void,
): Promise<User> {
  const { em, sessions } = deps;
  const { user, changed } = await withVersionCheck(() =>
    em.transactional(async (tx) => {
      const user = await currentUser(tx, caller.userId);
      assertVersion(user.version);
      const changed: string[] = [];
      const email = body.email === undefined ? undefined : normalizeEmail(body.email);
      if (body.password !== undefined) {
        if (body.currentPassword === undefined)
          throw problems.badRequest('Changing the password needs currentPassword', {
            errors: [{ path: 'body/currentPassword', message: 'is required to change the password' }],
          });
        if (!(await verifyPassword(user.passwordHash, body.currentPassword)))
          throw problems.forbidden('The current password is not correct');
        assertStrongPassword(body.password, {
          email: email ?? user.email,
          username: body.username ?? user.username,
        });
      }
      const newEmail = email !== undefined && email !== user.email ? email : undefined;
      const newUsername =
        body.username !== undefined && body.username !== user.username ? body.username : undefined;
      await assertUnique(tx, { email: newEmail, username: newUsername }, user.id);
      if (newEmail !== undefined) {
        user.email = newEmail;
        changed.push('email');
      }
      if (newUsername !== undefined) {
        user.username = newUsername;
        changed.push('username');
      }
      if (body.name !== undefined && body.name !== user.name) {
        user.name = body.name;
        changed.push('name');
      }
      if (body.password !== undefined) {
        user.passwordHash = await hashPassword(body.password);
        changed.push('password');
      }
      if (changed.length > 0) {
        user.updatedAt = new Date();
        await userUpdated(tx, user, changed);
        await flushUnique(tx);
      }
      return { user, changed };
    }),
  );
  // Someone who learnt the old password may hold a session: only the one that changed it stays.
  if (changed.includes('password')) await sessions.revokeAllOf(em, user.id, caller.jti);
  return user;
}
