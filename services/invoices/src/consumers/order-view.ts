// order.placed / order.lines_changed → the order's read model (latest revision wins). If the order was
// paid before its details arrived, its invoice is issued now.
import type { OrderPlaced } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope } from '@mercato/messaging';
import { OrderView } from '../entities.ts';
import { issueInvoice } from '../issuing.ts';

export async function handleOrderEvent(event: Envelope, em: EntityManager): Promise<void> {
  const data = event.data as OrderPlaced;
  const held = await em.findOne(OrderView, { orderId: data.orderId });
  if (held && held.revision >= data.revision) return; // an older or the same revision, late
  const fields = {
    userId: data.userId,
    revision: data.revision,
    lines: data.lines,
    totalAmount: normalizeAmount(data.total.amount),
    currency: data.total.currency,
    billingAddress: data.shippingAddress ?? null,
    billingAddressId: data.shippingAddressId,
    updatedAt: new Date(),
  };
  if (held) em.assign(held, fields);
  else em.create(OrderView, { orderId: data.orderId, ...fields });
  await em.flush();
  await issueInvoice(em, data.orderId, event.id);
}
