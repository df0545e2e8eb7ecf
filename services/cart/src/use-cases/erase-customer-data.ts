// Account erasure (user.erased, from identity): the customer's cart and everything the cart keeps
// about them go. Guest carts belong to nobody known (a token, not a person) and are left to expire.
import type { UserErased } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope, Logger } from '@mercato/messaging';
import { deleteUserCartData } from '../persistence/erasure.ts';

export async function eraseCustomerData(
  em: EntityManager,
  event: Envelope<UserErased>,
  logger: Logger,
): Promise<void> {
  const deleted = await deleteUserCartData(em, event.data.userId);
  logger.info({ eventId: event.id, userId: event.data.userId, ...deleted }, 'cart of an erased user deleted');
}
