// The invoices use cases the routes call, bound to the app's ORM and the issuer's name, as one
// decorator (routes take nothing else: no options objects, no imports from app.ts).
import type { AuthUser } from '@mercato/kit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Invoice } from '../persistence/entities.ts';
import { type CreditNoteRecord, getCreditNote } from '../use-cases/get-credit-note.ts';
import { type CreditNotePdf, getCreditNotePdf } from '../use-cases/get-credit-note-pdf.ts';
import { getInvoice } from '../use-cases/get-invoice.ts';
import { getInvoicePdf, getInvoicePdfByToken, type InvoicePdf } from '../use-cases/get-invoice-pdf.ts';
import { issueInvoiceByHand } from '../use-cases/issue-invoice.ts';
import { type CreditNoteQuery, listCreditNotes } from '../use-cases/list-credit-notes.ts';
import { type InvoiceQuery, listInvoices } from '../use-cases/list-invoices.ts';

/** Credit notes (one per return received): read only, the owner's or, for an admin, anyone's. */
export interface CreditNotes {
  list(user: AuthUser, query: CreditNoteQuery): Promise<{ items: CreditNoteRecord[]; total: number }>;
  get(user: AuthUser, id: string): Promise<CreditNoteRecord>;
  pdf(user: AuthUser, id: string): Promise<CreditNotePdf>;
}

export interface Invoicing {
  list(user: AuthUser, query: InvoiceQuery): Promise<{ items: Invoice[]; total: number }>;
  get(user: AuthUser, id: string): Promise<Invoice>;
  pdf(user: AuthUser, id: string): Promise<InvoicePdf>;
  /** anyone holding the invoice's download token (from invoice.issued) */
  pdfByToken(id: string, token: string): Promise<InvoicePdf>;
  /** admin: the invoice of a paid order that has none */
  issue(orderId: string): Promise<Invoice>;
  creditNotes: CreditNotes;
}

declare module 'fastify' {
  interface FastifyInstance {
    invoicing: Invoicing;
  }
}

export default fp(
  async (app: FastifyInstance, opts: { issuerName: string }) => {
    const { orm } = app;
    const invoicing: Invoicing = {
      list: (user, query) => listInvoices(orm, user, query),
      get: (user, id) => getInvoice(orm, user, id),
      pdf: (user, id) => getInvoicePdf(orm, user, id, opts.issuerName),
      pdfByToken: (id, token) => getInvoicePdfByToken(orm, id, token, opts.issuerName),
      issue: (orderId) => issueInvoiceByHand(orm, orderId),
      creditNotes: {
        list: (user, query) => listCreditNotes(orm, user, query),
        get: (user, id) => getCreditNote(orm, user, id),
        pdf: (user, id) => getCreditNotePdf(orm, user, id, opts.issuerName),
      },
    };
    app.decorate('invoicing', invoicing);
  },
  { name: 'invoicing' },
);
