// GET /invoices/credit-notes: customers see only their own credit notes, admins everyone's; newest first.
import type { MikroORM } from '@mercato/db';
import type { AuthUser } from '@mercato/kit';
import { findCreditNotes } from '../persistence/credit-notes.ts';
import { type CreditNoteRecord, withInvoiceNumbers } from './get-credit-note.ts';

export interface CreditNoteQuery {
  page: number;
  pageSize: number;
  orderId?: string;
}

export async function listCreditNotes(
  orm: MikroORM,
  user: AuthUser,
  q: CreditNoteQuery,
): Promise<{ items: CreditNoteRecord[]; total: number }> {
  const em = orm.em.fork();
  const [notes, total] = await findCreditNotes(
    em,
    { userId: user.role === 'admin' ? undefined : user.sub, orderId: q.orderId },
    { limit: q.pageSize, offset: (q.page - 1) * q.pageSize },
  );
  return { items: await withInvoiceNumbers(em, notes), total };
}
