// What an erasure deletes besides the user row's own fields: every row of the user that holds
// personal data or a way into the account.
import type { EntityManager } from '@mercato/db';
import { Address, EmailVerification, PasswordReset } from './entities.ts';

/** The user's addresses as address.changed (deleted) needs them, read before they are deleted. */
export async function addressesOf(
  tx: EntityManager,
  userId: string,
): Promise<{ id: string; userId: string; version: number }[]> {
  return tx.find(Address, { userId }, { fields: ['id', 'userId', 'version'], orderBy: { id: 'asc' } });
}

export async function deletePersonalRowsOf(tx: EntityManager, userId: string, email: string): Promise<void> {
  await tx.nativeDelete(Address, { userId });
  await tx.nativeDelete(EmailVerification, { userId });
  await tx.nativeDelete(PasswordReset, { userId });
  // A reset request still queued for the address (the worker takes them within a second).
  await tx.execute('delete from password_reset_request where email = ?', [email]);
}
