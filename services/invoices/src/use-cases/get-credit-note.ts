// One credit note as its owner (or an admin) may see it, with the number of the invoice it corrects.
import type { EntityManager, MikroORM } from '@mercato/db';
import { type AuthUser, problems } from '@mercato/kit';
import { formatInvoiceNumber } from '../domain/invoice-rules.ts';
import { findCreditNote, invoiceNumbers } from '../persistence/credit-notes.ts';
import type { CreditNote } from '../persistence/entities.ts';

/** A credit note and the number of its invoice ('2026-000042'), when that invoice is issued. */
export interface CreditNoteRecord {
  creditNote: CreditNote;
  invoiceNumber?: string;
}

/** The records of these credit notes, their invoices' numbers read in one query. */
export async function withInvoiceNumbers(
  em: EntityManager,
  notes: readonly CreditNote[],
): Promise<CreditNoteRecord[]> {
  const numbers = await invoiceNumbers(
    em,
    notes.flatMap((n) => (n.invoiceId ? [n.invoiceId] : [])),
  );
  return notes.map((creditNote) => {
    const invoice = creditNote.invoiceId ? numbers.get(creditNote.invoiceId) : undefined;
    return {
      creditNote,
      ...(invoice ? { invoiceNumber: formatInvoiceNumber(invoice.year, invoice.number) } : {}),
    };
  });
}

/** The credit note, or 404 when it does not exist or belongs to someone else (no existence leak). */
export async function getCreditNote(orm: MikroORM, user: AuthUser, id: string): Promise<CreditNoteRecord> {
  const em = orm.em.fork();
  const creditNote = await findCreditNote(em, id);
  if (!creditNote || (user.role !== 'admin' && creditNote.userId !== user.sub))
    throw problems.notFound('No such credit note');
  const [record] = await withInvoiceNumbers(em, [creditNote]);
  return record!;
}
