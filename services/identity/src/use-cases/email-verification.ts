// Confirming that the owner of an account reads its e-mail address. A registration (or an e-mail
// change, or a resend) makes a single-use token, kept as a digest, that travels only in
// `user.verification_requested` (notifications e-mails the link); POST /auth/verify spends it.
// Unverified accounts may do everything (browse, carts, orders): the access token's `email_verified`
// claim lets a shop gate something later without another call.
import type { EntityManager } from '@mercato/db';
import { newOpaqueToken, opaqueTokenDigest, problems } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import {
  addEmailVerification,
  claimEmailVerification,
  expireOpenVerifications,
  findEmailVerification,
  newestEmailVerification,
} from '../persistence/email-verifications.ts';
import type { User } from '../persistence/entities.ts';
import { findUser, lockUserRow } from '../persistence/users.ts';
import { currentUser } from './accounts.ts';
import { userUpdated, verificationRequested } from './events.ts';

/**
 * A new token for the user's current address, in the caller's transaction; older ones stop working.
 * The user row must be in `tx`'s unit of work already (its id is the event's).
 */
export async function requestVerificationIn(
  tx: EntityManager,
  user: User,
  ttlSeconds: number,
  now: Date = new Date(),
): Promise<void> {
  await expireOpenVerifications(tx, user.id, now);
  const token = newOpaqueToken();
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  addEmailVerification(tx, {
    id: uuidv7(),
    userId: user.id,
    tokenHash: opaqueTokenDigest(token),
    expiresAt,
    createdAt: now,
  });
  await verificationRequested(tx, user, token, expiresAt);
}

const refused = () =>
  problems.badRequest('The verification token is invalid, expired or already used', {
    errors: [{ path: 'body/token', message: 'is invalid, expired or already used' }],
  });

/** POST /auth/verify: spends the token and marks the address verified. */
export async function verifyEmail(em: EntityManager, token: string): Promise<User> {
  return em.transactional(async (tx) => {
    const row = await findEmailVerification(tx, opaqueTokenDigest(token));
    const now = new Date();
    const user = row ? await findUser(tx, row.userId) : null;
    if (!row || !user?.active || row.usedAt || row.expiresAt <= now) throw refused();
    if (!(await claimEmailVerification(tx, row.id, now))) throw refused();
    if (!user.emailVerifiedAt) {
      user.emailVerifiedAt = now;
      user.updatedAt = now;
      await userUpdated(tx, user, ['emailVerified']);
    }
    return user;
  });
}

/**
 * POST /auth/verify/resend: a new link for the caller's unverified address (409 when verified), at
 * most once per `intervalSeconds` (429 with Retry-After), so that nobody can turn it into a mail bomb
 * against an address they registered.
 */
export async function resendVerification(
  em: EntityManager,
  userId: string,
  opts: { ttlSeconds: number; intervalSeconds: number },
): Promise<void> {
  await em.transactional(async (tx) => {
    await lockUserRow(tx, userId);
    const user = await currentUser(tx, userId);
    if (user.emailVerifiedAt) throw problems.conflict('The e-mail address is already verified');
    const now = new Date();
    const newest = await newestEmailVerification(tx, user.id);
    const wait = newest ? newest.createdAt.getTime() + opts.intervalSeconds * 1000 - now.getTime() : 0;
    if (wait > 0) throw problems.tooManyRequests('A verification e-mail was sent moments ago', wait / 1000);
    await requestVerificationIn(tx, user, opts.ttlSeconds, now);
  });
}
