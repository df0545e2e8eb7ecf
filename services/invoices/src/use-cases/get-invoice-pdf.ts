// GET /invoices/{id}/pdf: the visible invoice as a PDF.
import type { MikroORM } from '@mercato/db';
import type { AuthUser } from '@mercato/kit';
import { renderInvoicePdf } from '../domain/invoice-pdf.ts';
import { formatInvoiceNumber } from '../domain/invoice-rules.ts';
import { getInvoice } from './get-invoice.ts';

/** The PDF and the invoice's number (for the file name); 404 as getInvoice. */
export async function getInvoicePdf(
  orm: MikroORM,
  user: AuthUser,
  id: string,
  issuerName: string,
): Promise<{ number: string; pdf: Buffer }> {
  const invoice = await getInvoice(orm, user, id);
  return {
    number: formatInvoiceNumber(invoice.year, invoice.number),
    pdf: await renderInvoicePdf(invoice, issuerName),
  };
}
