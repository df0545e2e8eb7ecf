// Whom a user's mail goes to, from the local read model of identity's users.
import type { EntityManager } from '@mercato/db';
import { type Contact, contactOf } from '../persistence/read-models.ts';

/**
 * Thrown when an event names a user this service has not heard of yet (user.registered is on its
 * way on another queue): the consumer's delayed retry brings the event back later.
 */
export class UnknownUserError extends Error {
  override name = 'UnknownUserError';
}

/** The user's address, or undefined for an erased user (their mail is dropped, not retried). */
export async function recipientOf(
  em: EntityManager,
  userId: string,
): Promise<(Contact & { email: string }) | undefined> {
  const contact = await contactOf(em, userId);
  if (!contact) throw new UnknownUserError(`user ${userId} is not known here yet`);
  if (contact.erased || !contact.email) return undefined;
  return contact as Contact & { email: string };
}
