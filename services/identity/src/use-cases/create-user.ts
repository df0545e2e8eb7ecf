// Creating an account: self-registration (a customer, use-cases/register.ts), an admin creating a
// user of any role, and the configured first admin at start.
import type { EntityManager } from '@mercato/db';
import type { Role } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import { assertDeliverable, normalizeEmail } from '../domain/accounts.ts';
import { assertStrongPassword, hashPassword } from '../domain/passwords.ts';
import type { User } from '../persistence/entities.ts';
import { addUser, assertUnique, flushUnique } from '../persistence/users.ts';
import { requestVerificationIn } from './email-verification.ts';
import { userRegistered } from './events.ts';

export interface NewUser {
  email: string;
  username: string;
  password: string;
  name?: string;
  role: Role;
}

/**
 * How the new account's address is confirmed: a verification link (its lifetime), or not at all
 * because whoever configured it vouches for it (the first admin).
 */
export type Verification = { ttlSeconds: number } | 'verified';

/** Creates the user and records `user.registered`, in a transaction of its own. */
export function createUser(em: EntityManager, input: NewUser, verification: Verification): Promise<User> {
  return em.transactional((tx) => createUserIn(tx, input, verification));
}

/** Validates, creates the user and records `user.registered`, all in the caller's transaction. */
export async function createUserIn(
  tx: EntityManager,
  input: NewUser,
  verification: Verification,
): Promise<User> {
  const email = normalizeEmail(input.email);
  assertDeliverable(email);
  assertStrongPassword(input.password, { email, username: input.username });
  await assertUnique(tx, { email, username: input.username });
  return addAccount(
    tx,
    { ...input, email, passwordHash: await hashPassword(input.password) },
    verification,
    flushUnique,
  );
}

/**
 * The new row with `user.registered` and, unless verified, a verification link
 * (`user.verification_requested`). Checks are the caller's. `flushUser` writes the user row first
 * (the rows that refer to it follow at the next flush); a unique violation surfaces there.
 */
export async function addAccount(
  tx: EntityManager,
  account: { email: string; username: string; name?: string; passwordHash: string; role: Role },
  verification: Verification,
  flushUser: (tx: EntityManager) => Promise<void>,
): Promise<User> {
  const now = new Date();
  const user = addUser(tx, {
    id: uuidv7(),
    email: account.email,
    username: account.username,
    name: account.name ?? null,
    passwordHash: account.passwordHash,
    role: account.role,
    active: true,
    emailVerifiedAt: verification === 'verified' ? now : null,
    createdAt: now,
    updatedAt: now,
  });
  await flushUser(tx);
  await userRegistered(tx, user);
  if (verification !== 'verified') await requestVerificationIn(tx, user, verification.ttlSeconds, now);
  await tx.flush();
  return user;
}
