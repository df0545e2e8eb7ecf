// Checks several account use cases share.
import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import type { User } from '../persistence/entities.ts';
import { countOtherActiveAdmins, findUser } from '../persistence/users.ts';

/** The caller's user row; a token of a user that is gone or deactivated is no longer good. */
export async function currentUser(em: EntityManager, userId: string): Promise<User> {
  const user = await findUser(em, userId);
  if (!user?.active) throw problems.unauthorized('The account does not exist or is deactivated');
  return user;
}

/** Demoting or deactivating the only active admin would leave nobody able to manage users. */
export async function assertNotLastAdmin(em: EntityManager, userId: string): Promise<void> {
  if ((await countOtherActiveAdmins(em, userId)) === 0)
    throw problems.conflict('This is the last active admin: appoint another admin first');
}
