// Creating an account: self-registration (a customer), an admin creating a user of any role, and
// the configured first admin at start.
import type { EntityManager } from '@mercato/db';
import type { Role } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import { normalizeEmail } from '../domain/accounts.ts';
import { assertStrongPassword, hashPassword } from '../domain/passwords.ts';
import type { User } from '../persistence/entities.ts';
import { addUser, assertUnique, flushUnique } from '../persistence/users.ts';
import { userRegistered } from './events.ts';

export interface NewUser {
  email: string;
  username: string;
  password: string;
  name?: string;
  role: Role;
}

/** Creates the user and records `user.registered`, in a transaction of its own. */
export function createUser(em: EntityManager, input: NewUser): Promise<User> {
  return em.transactional((tx) => createUserIn(tx, input));
}

/** Validates, creates the user and records `user.registered`, all in the caller's transaction. */
export async function createUserIn(tx: EntityManager, input: NewUser): Promise<User> {
  const email = normalizeEmail(input.email);
  assertStrongPassword(input.password, { email, username: input.username });
  await assertUnique(tx, { email, username: input.username });
  const now = new Date();
  const user = addUser(tx, {
    id: uuidv7(),
    email,
    username: input.username,
    name: input.name ?? null,
    passwordHash: await hashPassword(input.password),
    role: input.role,
    active: true,
    createdAt: now,
    updatedAt: now,
  });
  await userRegistered(tx, user);
  await flushUnique(tx);
  return user;
}
