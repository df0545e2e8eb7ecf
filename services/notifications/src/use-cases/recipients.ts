// Whom a user's mail goes to, from the local read model of identity's users.
import type { EntityManager } from '@mercato/db';
import { type Contact, contactOf, contactWithOrder, type OrderView } from '../persistence/read-models.ts';

/**
 * Thrown when an event names a user this service has not heard of yet (user.registered is on its
 * way on another queue): the consumer's delayed retry brings the event back later.
 */
export class UnknownUserError extends Error {
  override name = 'UnknownUserError';
}

/** `order`: the order as placed, when it was asked for and seen. */
export type Recipient = Contact & { email: string; order?: OrderView };

/** The user's address, or undefined for an erased user (their mail is dropped, not retried). */
export async function recipientOf(em: EntityManager, userId: string): Promise<Recipient | undefined> {
  const contact = await contactOf(em, userId);
  if (!contact) throw new UnknownUserError(`user ${userId} is not known here yet`);
  if (contact.erased || !contact.email) return undefined;
  return contact as Recipient;
}

/**
 * recipientOf with the order as placed (its total and named lines; undefined when it was not seen),
 * read in the same statement: a mail that needs both costs one round trip, not two.
 */
export async function recipientWithOrder(
  em: EntityManager,
  userId: string,
  orderId: string,
): Promise<Recipient | undefined> {
  const contact = await contactWithOrder(em, userId, orderId);
  if (!contact) throw new UnknownUserError(`user ${userId} is not known here yet`);
  if (contact.erased || !contact.email) return undefined;
  return contact as Recipient;
}
