// /invoices: reading invoices (own only), their PDF, and issuing one by hand (admin).
import { type App, adminOnly, bearer, errorResponses, IdParam } from '@mercato/kit';
import { Type } from 'typebox';
import { InvoicePage, InvoiceView, IssueBody, ListInvoicesQuery } from './schemas.ts';
import { toInvoiceView } from './view.ts';

export default async function invoicesRoutes(app: App) {
  // Authentication before validation: an anonymous caller learns nothing about the request shape.
  app.addHook('onRequest', app.authenticate);

  app.get(
    '',
    {
      schema: {
        summary: 'Invoices: your own, or everyone’s for an admin; newest first',
        security: bearer,
        querystring: ListInvoicesQuery,
        response: { 200: InvoicePage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, orderId, year } = request.query;
      const { items, total } = await app.invoicing.list(request.user, { page, pageSize, orderId, year });
      return { items: items.map(toInvoiceView), page, pageSize, total };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        summary: 'One invoice',
        security: bearer,
        params: IdParam,
        response: { 200: InvoiceView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => toInvoiceView(await app.invoicing.get(request.user, request.params.id)),
  );

  app.get(
    '/:id/pdf',
    {
      schema: {
        summary: 'The invoice as a PDF',
        security: bearer,
        params: IdParam,
        produces: ['application/pdf'],
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const { number, pdf } = await app.invoicing.pdf(request.user, request.params.id);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="invoice-${number}.pdf"`)
        .send(pdf);
    },
  );

  app.post(
    '',
    {
      onRequest: adminOnly,
      schema: {
        summary: 'Issue the invoice of a paid order that has none (admin)',
        description: '409 when the order already has an invoice; 422 when it is not paid or not known yet.',
        security: bearer,
        body: IssueBody,
        response: { 201: InvoiceView, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const invoice = await app.invoicing.issue(request.body.orderId);
      reply.code(201).header('location', `/invoices/${invoice.id}`);
      return toInvoiceView(invoice);
    },
  );
}
