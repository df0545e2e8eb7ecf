// GET /invoices/{id}/pdf: the visible invoice as a PDF, for its owner or an admin (Bearer token), or
// for whoever holds the invoice's download token (the link of the invoice e-mail).
import type { MikroORM } from '@mercato/db';
import { type AuthUser, opaqueTokenMatches, problems } from '@mercato/kit';
import { renderInvoicePdf } from '../domain/invoice-pdf.ts';
import { formatInvoiceNumber } from '../domain/invoice-rules.ts';
import type { Invoice } from '../persistence/entities.ts';
import { findInvoice } from '../persistence/invoices.ts';
import { getInvoice } from './get-invoice.ts';

export interface InvoicePdf {
  /** the invoice's number, for the file name */
  number: string;
  pdf: Buffer;
}

const render = async (invoice: Invoice, issuerName: string): Promise<InvoicePdf> => ({
  number: formatInvoiceNumber(invoice.year, invoice.number),
  pdf: await renderInvoicePdf(invoice, issuerName),
});

/** The PDF of an invoice the user may see; 404 as getInvoice. */
export async function getInvoicePdf(
  orm: MikroORM,
  user: AuthUser,
  id: string,
  issuerName: string,
): Promise<InvoicePdf> {
  return render(await getInvoice(orm, user, id), issuerName);
}

/**
 * The PDF for the holder of its download token. A wrong token, or an invoice issued before tokens
 * existed, is the same 404 as an unknown invoice: the answer says nothing about which it was.
 */
export async function getInvoicePdfByToken(
  orm: MikroORM,
  id: string,
  token: string,
  issuerName: string,
): Promise<InvoicePdf> {
  const invoice = await findInvoice(orm.em.fork(), id);
  if (!invoice || !opaqueTokenMatches(token, invoice.downloadTokenHash))
    throw problems.notFound('No such invoice');
  return render(invoice, issuerName);
}
