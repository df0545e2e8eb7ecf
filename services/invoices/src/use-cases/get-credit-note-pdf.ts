// GET /invoices/credit-notes/{id}/pdf: the visible credit note as a PDF, for its owner or an admin.
import type { MikroORM } from '@mercato/db';
import type { AuthUser } from '@mercato/kit';
import { renderCreditNotePdf } from '../domain/credit-note-pdf.ts';
import { formatCreditNoteNumber } from '../domain/credit-note-rules.ts';
import { getCreditNote } from './get-credit-note.ts';

export interface CreditNotePdf {
  /** the credit note's number, for the file name */
  number: string;
  pdf: Buffer;
}

/** The PDF of a credit note the user may see; 404 as getCreditNote. */
export async function getCreditNotePdf(
  orm: MikroORM,
  user: AuthUser,
  id: string,
  issuerName: string,
): Promise<CreditNotePdf> {
  const { creditNote, invoiceNumber } = await getCreditNote(orm, user, id);
  return {
    number: formatCreditNoteNumber(creditNote.year, creditNote.number),
    pdf: await renderCreditNotePdf(creditNote, invoiceNumber, issuerName),
  };
}
