// Self-registration. The answer is the new account with a login (as POST /auth/login gives), so that a
// client continues without a second call; a taken e-mail or username is a 409 naming the field. That
// says who is registered, which tokens in the answer make unavoidable: the gateway's rate limit bounds
// how fast anyone can ask. The owner of a taken address is told by `user.registration_refused`
// (notifications e-mails them), committed even though the request fails.
import type { EntityManager } from '@mercato/db';
import { HttpProblem } from '@mercato/kit';
import { assertDeliverable, normalizeEmail } from '../domain/accounts.ts';
import { assertStrongPassword, hashPassword } from '../domain/passwords.ts';
import type { User } from '../persistence/entities.ts';
import { isUniqueViolation, takenFields } from '../persistence/users.ts';
import { addAccount } from './create-user.ts';
import { registrationRefused } from './events.ts';
import type { Sessions, TokenPair } from './sessions.ts';

export interface Registration {
  email: string;
  username: string;
  password: string;
  name?: string;
}

/** 409 `account-exists`, naming each taken field. */
export function accountExists(fields: ('email' | 'username')[]): HttpProblem {
  return new HttpProblem({
    status: 409,
    slug: 'account-exists',
    title: 'Account Exists',
    detail: fields
      .map((f) => (f === 'email' ? 'This e-mail address is already registered' : 'This username is taken'))
      .join('; '),
    extensions: {
      errors: fields.map((f) => ({
        path: `body/${f}`,
        message: f === 'email' ? 'is already registered' : 'is already taken',
      })),
    },
  });
}

/**
 * Creates a customer with a verification link and a first login, in one transaction: the user, the
 * token rows and the events (`user.registered`, `user.verification_requested`) commit together.
 */
export async function register(
  deps: { em: EntityManager; sessions: Sessions },
  input: Registration,
  opts: { verificationTtlSeconds: number },
): Promise<{ user: User; tokens: TokenPair }> {
  const { em, sessions } = deps;
  const email = normalizeEmail(input.email);
  assertDeliverable(email);
  assertStrongPassword(input.password, { email, username: input.username });
  const fields = { email, username: input.username };
  // Commits the refusal (the event for the address's owner), then answers 409.
  const refuseIfTaken = async (): Promise<void> => {
    const refusal = await em.fork().transactional(async (tx) => {
      const taken = await takenFields(tx, fields);
      const which: ('email' | 'username')[] = [];
      if (taken.emailOwner) {
        which.push('email');
        await registrationRefused(tx, {
          email,
          username: input.username,
          reason: 'email-taken',
          userId: taken.emailOwner,
        });
      }
      if (taken.username) which.push('username');
      return which;
    });
    if (refusal.length > 0) throw accountExists(refusal);
  };
  await refuseIfTaken();
  const passwordHash = await hashPassword(input.password);
  try {
    return await em.fork().transactional(async (tx) => {
      const user = await addAccount(
        tx,
        { ...fields, name: input.name, passwordHash, role: 'customer' },
        { ttlSeconds: opts.verificationTtlSeconds },
        (tx) => tx.flush(),
      );
      const tokens = await sessions.issue(tx, user);
      return { user, tokens };
    });
  } catch (err) {
    // A concurrent registration of the same e-mail or username won between the check and the
    // insert; this one was rolled back and is refused like any other.
    if (!isUniqueViolation(err)) throw err;
    await refuseIfTaken();
    throw err;
  }
}
