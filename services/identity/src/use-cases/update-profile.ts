import type { EntityManager } from '@mercato/db';
import { HttpProblem } from '@mercato/kit';
import { assertDeliverable, normalizeEmail } from '../domain/accounts.ts';
import { assertStrongPassword, hashPassword, verifyPassword } from '../domain/passwords.ts';
import type { User } from '../persistence/entities.ts';
import type { LoginThrottle } from '../persistence/login-throttle.ts';
import { assertUnique, flushUnique } from '../persistence/users.ts';
import { withVersionCheck } from '../persistence/version-check.ts';
import { currentUser } from './accounts.ts';
import { requestVerificationIn } from './email-verification.ts';
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
 * 403 for a sensitive change without proof: an access token alone (perhaps stolen) must not be enough
 * to take the account over by changing where its reset e-mails go, or its password.
 */
export function reauthenticationRequired(detail: string): HttpProblem {
  return new HttpProblem({
    status: 403,
    slug: 'reauthentication-required',
    title: 'Reauthentication Required',
    detail,
  });
}

/**
 * The caller changes their own profile. A new e-mail or a new password needs the current password
 * (wrong guesses count as failed logins of this client); a new password ends the caller's other
 * logins; a new e-mail address is unverified until its link is used. `assertVersion` is the caller's
 * precondition on the row version (If-Match).
 */
export async function updateProfile(
  deps: {
    em: EntityManager;
    sessions: Sessions;
    loginThrottle: LoginThrottle;
    /** the lifetime of the verification link a new e-mail address gets */
    verificationTtlSeconds: number;
  },
  caller: { userId: string; jti: string; ip: string },
  body: ProfileChanges,
  assertVersion: (version: number) => void,
): Promise<User> {
  const { em, sessions, loginThrottle } = deps;
  const { user, changed } = await withVersionCheck(() =>
    em.transactional(async (tx) => {
      const user = await currentUser(tx, caller.userId);
      assertVersion(user.version);
      const changed: string[] = [];
      const email = body.email === undefined ? undefined : normalizeEmail(body.email);
      const newEmail = email !== undefined && email !== user.email ? email : undefined;
      if (newEmail !== undefined) assertDeliverable(newEmail);
      if (newEmail !== undefined || body.password !== undefined) {
        if (body.currentPassword === undefined)
          throw reauthenticationRequired('Changing the e-mail address or the password needs currentPassword');
        const subject = { account: user.email, ip: caller.ip };
        await loginThrottle.assertAllowed(subject);
        if (!(await verifyPassword(user.passwordHash, body.currentPassword))) {
          await loginThrottle.recordFailure(subject);
          throw reauthenticationRequired('The current password is not correct');
        }
      }
      if (body.password !== undefined) {
        assertStrongPassword(body.password, {
          email: email ?? user.email,
          username: body.username ?? user.username,
        });
      }
      const newUsername =
        body.username !== undefined && body.username !== user.username ? body.username : undefined;
      await assertUnique(tx, { email: newEmail, username: newUsername }, user.id);
      if (newEmail !== undefined) {
        user.email = newEmail;
        // The new address is unconfirmed: a link goes to it, links to the old one stop working.
        user.emailVerifiedAt = null;
        await requestVerificationIn(tx, user, deps.verificationTtlSeconds);
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
