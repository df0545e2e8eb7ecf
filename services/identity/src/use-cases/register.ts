// Self-registration that does not tell who is registered. Every well-formed request gets the same
// answer (202) after the same work: the password is checked and hashed first, whatever happens next,
// then either the account is created or, when the e-mail or the username is taken, nothing is created
// and `user.registration_refused` goes out for notifications to tell the address's owner (issue #11
// will e-mail it). Only a weak password is refused outright — that depends on the request alone.
import type { EntityManager } from '@mercato/db';
import { uuidv7 } from 'uuidv7';
import { normalizeEmail } from '../domain/accounts.ts';
import { assertStrongPassword, hashPassword } from '../domain/passwords.ts';
import { addUser, isUniqueViolation, takenBy } from '../persistence/users.ts';
import { registrationRefused, userRegistered } from './events.ts';

export interface Registration {
  email: string;
  username: string;
  password: string;
  name?: string;
}

export type RegistrationOutcome = 'created' | 'email-taken' | 'username-taken';

/** The outcome is for logs and tests only: the client is told the same in every case. */
export async function register(
  em: EntityManager,
  input: Registration,
  hash: (password: string) => Promise<string> = hashPassword,
): Promise<RegistrationOutcome> {
  const email = normalizeEmail(input.email);
  assertStrongPassword(input.password, { email, username: input.username });
  // Before the lookup and on every path: the hash is most of the time a registration takes.
  const passwordHash = await hash(input.password);
  const refuseIfTaken = async (tx: EntityManager): Promise<RegistrationOutcome | undefined> => {
    const taken = await takenBy(tx, { email, username: input.username });
    if (!taken) return undefined;
    await registrationRefused(tx, { email, username: input.username, ...taken });
    return taken.reason;
  };
  try {
    return await em.fork().transactional(async (tx): Promise<RegistrationOutcome> => {
      const refused = await refuseIfTaken(tx);
      if (refused) return refused;
      const now = new Date();
      const user = addUser(tx, {
        id: uuidv7(),
        email,
        username: input.username,
        name: input.name ?? null,
        passwordHash,
        role: 'customer',
        active: true,
        createdAt: now,
        updatedAt: now,
      });
      await userRegistered(tx, user);
      await tx.flush();
      return 'created';
    });
  } catch (err) {
    // A concurrent registration of the same e-mail or username won between the lookup and the
    // insert; this one was rolled back and is recorded as refused on its own.
    if (!isUniqueViolation(err)) throw err;
    const refused = await em.fork().transactional(refuseIfTaken);
    if (!refused) throw err;
    return refused;
  }
}
