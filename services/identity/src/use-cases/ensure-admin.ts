import type { EntityManager } from '@mercato/db';
import { uuidv7 } from 'uuidv7';
import { normalizeEmail, usernameFromEmail } from '../domain/accounts.ts';
import { findUserByEmail, usernameTaken } from '../persistence/users.ts';
import { createUserIn } from './create-user.ts';

/**
 * The first admin, from configuration, created when no user has that e-mail. Two replicas starting
 * at once both try; the unique index lets one win and the other finds the row.
 */
export async function ensureAdmin(
  em: EntityManager,
  admin: { email: string; password: string },
): Promise<'created' | 'present'> {
  const email = normalizeEmail(admin.email);
  if (await findUserByEmail(em, email)) return 'present';
  const username = usernameFromEmail(email);
  try {
    await em.transactional(async (tx) => {
      // The admin's username may already be a customer's: fall back to a unique one.
      const clash = await usernameTaken(tx, username);
      await createUserIn(
        tx,
        {
          email,
          username: clash ? `${username}-${uuidv7().slice(-8)}` : username,
          password: admin.password,
          role: 'admin',
        },
        // The configured address is vouched for by whoever configured it.
        'verified',
      );
    });
    return 'created';
  } catch (err) {
    if ((err as { status?: number }).status === 409) return 'present';
    throw err;
  }
}
