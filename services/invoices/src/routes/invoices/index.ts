// /invoices: reading invoices (own only), their PDF (also with the invoice's download token, no
// login), and issuing one by hand (admin).
import { type App, adminOnly, bearer, errorResponses, IdParam } from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { InvoicePage, InvoiceView, IssueBody, ListInvoicesQuery, PdfQuery } from './schemas.ts';
import { toInvoiceView } from './view.ts';

/** The PDF is asked for with the download token alone: no Authorization header, a `token` in the query. */
const byDownloadToken = (request: FastifyRequest): boolean =>
  request.headers.authorization === undefined &&
  (request.query as Record<string, unknown> | undefined)?.token !== undefined;

export default async function invoicesRoutes(app: App) {
  // Authentication before validation (onRequest): an anonymous caller learns nothing about the
  // request shape. The PDF also opens with a download token instead: its route authenticates only
  // when no token is given, or when a Bearer token is (which then decides, as before).
  const authenticated = { onRequest: app.authenticate };
  const bearerOrDownloadToken = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!byDownloadToken(request)) await app.authenticate(request, reply);
  };

  app.get(
    '',
    {
      ...authenticated,
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
      ...authenticated,
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
      onRequest: bearerOrDownloadToken,
      schema: {
        summary: 'The invoice as a PDF (Bearer token, or the download token of the invoice e-mail)',
        description:
          'With a Bearer token: the owner’s invoice or, for an admin, anyone’s (another’s is 404); a ' +
          '`token` in the query is then ignored. Without one: `?token=` is the download token ' +
          'invoice.issued carried (the link of the invoice e-mail); a wrong token is the same 404 as ' +
          'an unknown invoice. Neither: 401.',
        security: [...bearer, {}],
        'x-mercato-access': 'owner',
        params: IdParam,
        querystring: PdfQuery,
        produces: ['application/pdf'],
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const { token } = request.query;
      const { number, pdf } =
        byDownloadToken(request) && token !== undefined
          ? await app.invoicing.pdfByToken(request.params.id, token)
          : await app.invoicing.pdf(request.user, request.params.id);
      // Personal data behind a link: no shared cache keeps it.
      if (byDownloadToken(request)) reply.header('cache-control', 'private, no-store');
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="invoice-${number}.pdf"`)
        .send(pdf);
    },
  );

  app.post(
    '',
    {
      onRequest: [app.authenticate, adminOnly],
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
