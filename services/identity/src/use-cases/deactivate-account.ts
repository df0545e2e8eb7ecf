import type { EntityManager } from '@mercato/db';
import { assertNotLastAdmin, currentUser } from './accounts.ts';
import { userDeactivated } from './events.ts';
import type { Sessions } from './sessions.ts';

/** The caller deactivates their own account (the row stays); every login of it ends. */
export async function deactivateAccount(
  deps: { em: EntityManager; sessions: Sessions },
  userId: string,
): Promise<void> {
  const { em, sessions } = deps;
  const user = await em.transactional(async (tx) => {
    const user = await currentUser(tx, userId);
    if (user.role === 'admin') await assertNotLastAdmin(tx, user.id);
    user.active = false;
    user.updatedAt = new Date();
    await userDeactivated(tx, user);
    return user;
  });
  await sessions.revokeAllOf(em, user.id);
}
