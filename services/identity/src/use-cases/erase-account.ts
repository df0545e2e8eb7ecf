// Account erasure (DELETE /auth/me, DELETE /users/{id}). In one transaction: every login of the user
// is revoked, the personal data in identity goes (name; e-mail and username replaced by placeholders,
// so the address can register again; the password hash; addresses; verification and reset tokens),
// the row is marked erased (deactivated, kept so that the ids other services hold still mean
// "someone who was a customer") and `user.erased` is recorded for every service that holds personal
// data of the user (notifications sends the confirmation to the address the event carries, then
// forgets it too). After the commit the live access tokens go on the deny-list.
import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import { erasedPlaceholders } from '../domain/accounts.ts';
import { verifyPassword } from '../domain/passwords.ts';
import type { User } from '../persistence/entities.ts';
import { addressesOf, deletePersonalRowsOf } from '../persistence/erasure.ts';
import type { LoginThrottle } from '../persistence/login-throttle.ts';
import { lockUserRow, reloadUser } from '../persistence/users.ts';
import { withVersionCheck } from '../persistence/version-check.ts';
import { assertNotLastAdmin, currentUser } from './accounts.ts';
import { addressDeleted, userErased } from './events.ts';
import type { Sessions } from './sessions.ts';
import { reauthenticationRequired } from './update-profile.ts';

/** No argon2 hash: nothing verifies against it, so no password opens an erased account. */
const NO_PASSWORD = '';

/**
 * The caller erases their own account. The current password is required (an access token alone,
 * perhaps stolen, must not be enough to destroy the account): wrong guesses count as failed logins.
 */
export async function eraseOwnAccount(
  deps: { em: EntityManager; sessions: Sessions; loginThrottle: LoginThrottle },
  caller: { userId: string; ip: string },
  password: string,
  assertVersion: (version: number) => void,
): Promise<void> {
  const { em, loginThrottle } = deps;
  const user = await currentUser(em, caller.userId);
  const subject = { account: user.email, ip: caller.ip };
  await loginThrottle.assertAllowed(subject);
  if (!(await verifyPassword(user.passwordHash, password))) {
    await loginThrottle.recordFailure(subject);
    throw reauthenticationRequired('The password is not correct');
  }
  await erase(deps, caller.userId, assertVersion, () =>
    problems.unauthorized('The account does not exist or is deactivated'),
  );
}

/** An admin erases a user (any role but the last active admin). 404 for an unknown or erased id. */
export async function eraseUser(
  deps: { em: EntityManager; sessions: Sessions },
  userId: string,
  assertVersion: (version: number) => void,
): Promise<void> {
  await erase(deps, userId, assertVersion, () => problems.notFound('No such user'));
}

async function erase(
  deps: { em: EntityManager; sessions: Sessions },
  userId: string,
  assertVersion: (version: number) => void,
  gone: () => Error,
): Promise<void> {
  const { em, sessions } = deps;
  const revoked = await withVersionCheck(() =>
    em.transactional(async (tx) => {
      // The logins' locks before the row's (the order a refresh takes them in).
      const revoked = await sessions.revokeAllIn(tx, userId);
      await lockUserRow(tx, userId);
      const user = await reloadUser(tx, userId);
      if (!user || user.erasedAt) throw gone();
      assertVersion(user.version);
      if (user.role === 'admin' && user.active) await assertNotLastAdmin(tx, user.id);
      await eraseIn(tx, user, new Date());
      return revoked;
    }),
  );
  await sessions.denyRevoked(revoked);
}

async function eraseIn(tx: EntityManager, user: User, now: Date): Promise<void> {
  const email = user.email;
  const placeholders = erasedPlaceholders(user.id);
  user.email = placeholders.email;
  user.username = placeholders.username;
  user.name = null;
  user.passwordHash = NO_PASSWORD;
  user.active = false;
  user.emailVerifiedAt = null;
  user.erasedAt = now;
  user.updatedAt = now;
  // Each address's deletion is announced too, so orders' copy keeps no address of the user (orders
  // also drops the user's copies on user.erased; either one suffices).
  for (const address of await addressesOf(tx, user.id)) await addressDeleted(tx, address);
  await deletePersonalRowsOf(tx, user.id, email);
  await userErased(tx, user, email, now);
}
