// Account erasure (user.erased, from identity). Invoices and credit notes KEEP the buyer's data as
// issued: each is an accounting record the law requires to be kept unchanged (in Germany 10 years,
// HGB §257 / AO §147; GDPR Art. 17(3)(b) exempts data kept to meet such a legal obligation). What
// invoices holds beyond that, the address in the read model of orders that are not (or no longer) to
// be invoiced, goes. A credit note issued later takes the buyer's address from the invoice (kept).
import type { UserErased } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope, Logger } from '@mercato/messaging';
import { eraseOrderViewAddresses } from '../persistence/erasure.ts';

export async function eraseCustomerData(
  em: EntityManager,
  event: Envelope<UserErased>,
  logger: Logger,
): Promise<void> {
  const orders = await eraseOrderViewAddresses(em, event.data.userId);
  logger.info(
    { eventId: event.id, userId: event.data.userId, orders },
    'personal data of order read models erased; invoices and credit notes kept as issued',
  );
}
