import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import { normalizeEmail } from '../domain/accounts.ts';
import { verifyPassword } from '../domain/passwords.ts';
import type { LoginThrottle } from '../persistence/login-throttle.ts';
import { findUserByEmail } from '../persistence/users.ts';
import type { Sessions, TokenPair } from './sessions.ts';

/** E-mail and password for a new login, counted per account and per client IP. */
export async function login(
  deps: { em: EntityManager; sessions: Sessions; loginThrottle: LoginThrottle },
  input: { email: string; password: string; ip: string },
): Promise<TokenPair> {
  const { em, sessions, loginThrottle } = deps;
  const subject = { account: normalizeEmail(input.email), ip: input.ip };
  await loginThrottle.assertAllowed(subject);
  const user = await findUserByEmail(em, subject.account);
  const passwordOk = await verifyPassword(user?.passwordHash, input.password);
  if (!user || !passwordOk || !user.active) {
    if (!passwordOk) await loginThrottle.recordFailure(subject);
    // One answer for every reason: the response must not tell which e-mails exist.
    throw problems.unauthorized('The e-mail or password is not correct');
  }
  await loginThrottle.recordSuccess(subject);
  return sessions.issue(em, user);
}
