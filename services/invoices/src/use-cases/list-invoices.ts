// GET /invoices: customers see only their own invoices, admins everyone's; newest first.
import type { MikroORM } from '@mercato/db';
import type { AuthUser } from '@mercato/kit';
import type { Invoice } from '../persistence/entities.ts';
import { findInvoices } from '../persistence/invoices.ts';

export interface InvoiceQuery {
  page: number;
  pageSize: number;
  orderId?: string;
  year?: number;
}

export async function listInvoices(
  orm: MikroORM,
  user: AuthUser,
  q: InvoiceQuery,
): Promise<{ items: Invoice[]; total: number }> {
  const [items, total] = await findInvoices(
    orm.em.fork(),
    { userId: user.role === 'admin' ? undefined : user.sub, orderId: q.orderId, year: q.year },
    { limit: q.pageSize, offset: (q.page - 1) * q.pageSize },
  );
  return { items, total };
}
