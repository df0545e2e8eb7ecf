// The invoices use cases the routes call, bound to the app's ORM and the issuer's name, as one
// decorator (routes take nothing else: no options objects, no imports from app.ts).
import type { AuthUser } from '@mercato/kit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Invoice } from '../persistence/entities.ts';
import { getInvoice } from '../use-cases/get-invoice.ts';
import { getInvoicePdf, getInvoicePdfByToken, type InvoicePdf } from '../use-cases/get-invoice-pdf.ts';
import { issueInvoiceByHand } from '../use-cases/issue-invoice.ts';
import { type InvoiceQuery, listInvoices } from '../use-cases/list-invoices.ts';

export interface Invoicing {
  list(user: AuthUser, query: InvoiceQuery): Promise<{ items: Invoice[]; total: number }>;
  get(user: AuthUser, id: string): Promise<Invoice>;
  pdf(user: AuthUser, id: string): Promise<InvoicePdf>;
  /** anyone holding the invoice's download token (from invoice.issued) */
  pdfByToken(id: string, token: string): Promise<InvoicePdf>;
  /** admin: the invoice of a paid order that has none */
  issue(orderId: string): Promise<Invoice>;
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
    };
    app.decorate('invoicing', invoicing);
  },
  { name: 'invoicing' },
);
