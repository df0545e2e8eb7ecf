// Account erasure (user.erased, from identity): orders keeps every order of the user, with its lines,
// totals and status history (bookkeeping needs them; the invoices are issued from them), and removes
// the personal data it holds: the shipping address snapshot (recipient's name, street, city...) and
// the stored answers of POST /orders' Idempotency-Keys (which show that address). Run in the
// consumer's transaction, so a redelivered event has no second effect.
import type { UserErased } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope, Logger } from '@mercato/messaging';
import { deleteIdempotencyRecords, eraseOrderAddresses } from '../persistence/erasure.ts';

export async function eraseCustomerData(
  em: EntityManager,
  event: Envelope<UserErased>,
  logger: Logger,
): Promise<void> {
  const { userId } = event.data;
  const orders = await eraseOrderAddresses(em, userId, new Date());
  const keys = await deleteIdempotencyRecords(em, userId);
  logger.info({ eventId: event.id, userId, orders, idempotencyKeys: keys }, 'personal data of orders erased');
}
