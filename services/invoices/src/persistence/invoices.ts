// Reading invoices.
import type { EntityManager } from '@mercato/db';
import { Invoice } from './entities.ts';

export function findInvoice(em: EntityManager, id: string): Promise<Invoice | null> {
  return em.findOne(Invoice, { id });
}

export interface InvoiceFilter {
  /** only this user's invoices */
  userId?: string;
  orderId?: string;
  year?: number;
}

/** A page of invoices, newest first, and how many match in all. */
export function findInvoices(
  em: EntityManager,
  filter: InvoiceFilter,
  page: { limit: number; offset: number },
): Promise<[Invoice[], number]> {
  return em.findAndCount(
    Invoice,
    {
      ...(filter.userId ? { userId: filter.userId } : {}),
      ...(filter.orderId ? { orderId: filter.orderId } : {}),
      ...(filter.year ? { year: filter.year } : {}),
    },
    { orderBy: { issuedAt: 'desc', id: 'desc' }, limit: page.limit, offset: page.offset },
  );
}
