// One invoice as its owner (or an admin) may see it.
import type { MikroORM } from '@mercato/db';
import { type AuthUser, problems } from '@mercato/kit';
import type { Invoice } from '../persistence/entities.ts';
import { findInvoice } from '../persistence/invoices.ts';

/** The invoice, or 404 when it does not exist or belongs to someone else (no existence leak). */
export async function getInvoice(orm: MikroORM, user: AuthUser, id: string): Promise<Invoice> {
  const invoice = await findInvoice(orm.em.fork(), id);
  if (!invoice || (user.role !== 'admin' && invoice.userId !== user.sub))
    throw problems.notFound('No such invoice');
  return invoice;
}
