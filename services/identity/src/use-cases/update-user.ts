import type { EntityManager } from '@mercato/db';
import { problems, type Role } from '@mercato/kit';
import type { User } from '../persistence/entities.ts';
import { findLiveUser } from '../persistence/users.ts';
import { withVersionCheck } from '../persistence/version-check.ts';
import { assertNotLastAdmin } from './accounts.ts';
import { userDeactivated, userUpdated } from './events.ts';
import type { Sessions } from './sessions.ts';

/**
 * An admin changes a user's role or active flag. `assertVersion` is the caller's precondition on
 * the row version (If-Match).
 */
export async function updateUser(
  deps: { em: EntityManager; sessions: Sessions },
  id: string,
  changes: { role?: Role; active?: boolean },
  assertVersion: (version: number) => void,
): Promise<User> {
  const { em, sessions } = deps;
  const { role, active } = changes;
  const { user, changed } = await withVersionCheck(() =>
    em.transactional(async (tx) => {
      const user = await findLiveUser(tx, id);
      if (!user) throw problems.notFound('No such user');
      assertVersion(user.version);
      const changed: string[] = [];
      const wasActiveAdmin = user.role === 'admin' && user.active;
      if (role !== undefined && role !== user.role) {
        user.role = role;
        changed.push('role');
      }
      if (active !== undefined && active !== user.active) {
        user.active = active;
        changed.push('active');
      }
      if (wasActiveAdmin && (user.role !== 'admin' || !user.active)) await assertNotLastAdmin(tx, user.id);
      if (changed.length > 0) {
        user.updatedAt = new Date();
        await userUpdated(tx, user, changed);
        if (changed.includes('active') && !user.active) await userDeactivated(tx, user);
      }
      return { user, changed };
    }),
  );
  // Tokens carry the role and stand for an active account: after either changes, they must go.
  if (changed.includes('role') || (changed.includes('active') && !user.active))
    await sessions.revokeAllOf(em, user.id);
  return user;
}
