// /invoices: reading invoices (own only), their PDF, and issuing one by hand (admin).
import type { MikroORM } from '@mercato/db';
import { type App, type AuthUser, IdParam, ProblemSchema, problems } from '@mercato/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { formatInvoiceNumber } from '../../domain/invoice-rules.ts';
import { Invoice } from '../../entities.ts';
import { issueInvoice } from '../../issuing.ts';
import { renderInvoicePdf } from '../../pdf.ts';
import { InvoicePage, InvoiceView, IssueBody, ListInvoicesQuery } from './schemas.ts';
import { toInvoiceView } from './view.ts';

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ProblemSchema]));
const security = [{ bearerAuth: [] }];

export async function invoiceRoutes(app: App, opts: { orm: MikroORM; issuerName: string }) {
  const { orm } = opts;

  // Authentication before validation: an anonymous caller learns nothing about the request shape.
  app.addHook('onRequest', app.authenticate);
  const adminOnly = async (request: FastifyRequest) => {
    if (request.user.role !== 'admin') throw problems.forbidden('This requires the admin role');
  };

  /** The invoice, or 404 when it does not exist or belongs to someone else (no existence leak). */
  const visibleInvoice = async (id: string, user: AuthUser): Promise<Invoice> => {
    const invoice = await orm.em.fork().findOne(Invoice, { id });
    if (!invoice || (user.role !== 'admin' && invoice.userId !== user.sub))
      throw problems.notFound('No such invoice');
    return invoice;
  };

  app.get(
    '/invoices',
    {
      schema: {
        summary: 'Invoices: your own, or everyone’s for an admin; newest first',
        security,
        querystring: ListInvoicesQuery,
        response: { 200: InvoicePage, ...errors(400, 401) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, orderId, year } = request.query;
      const user = request.user;
      const [rows, total] = await orm.em.fork().findAndCount(
        Invoice,
        {
          ...(user.role === 'admin' ? {} : { userId: user.sub }),
          ...(orderId ? { orderId } : {}),
          ...(year ? { year } : {}),
        },
        { orderBy: { issuedAt: 'desc', id: 'desc' }, limit: pageSize, offset: (page - 1) * pageSize },
      );
      return { items: rows.map(toInvoiceView), page, pageSize, total };
    },
  );

  app.get(
    '/invoices/:id',
    {
      schema: {
        summary: 'One invoice',
        security,
        params: IdParam,
        response: { 200: InvoiceView, ...errors(400, 401, 404) },
      },
    },
    async (request) => toInvoiceView(await visibleInvoice(request.params.id, request.user)),
  );

  app.get(
    '/invoices/:id/pdf',
    {
      schema: {
        summary: 'The invoice as a PDF',
        security,
        params: IdParam,
        produces: ['application/pdf'],
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const invoice = await visibleInvoice(request.params.id, request.user);
      const pdf = await renderInvoicePdf(invoice, opts.issuerName);
      const number = formatInvoiceNumber(invoice.year, invoice.number);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="invoice-${number}.pdf"`)
        .send(pdf);
    },
  );

  app.post(
    '/invoices',
    {
      preHandler: adminOnly,
      schema: {
        summary: 'Issue the invoice of a paid order that has none (admin)',
        description: '409 when the order already has an invoice; 422 when it is not paid or not known yet.',
        security,
        body: IssueBody,
        response: { 201: InvoiceView, ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const { orderId } = request.body;
      let result: Awaited<ReturnType<typeof issueInvoice>>;
      try {
        result = await orm.em.fork().transactional((em) => issueInvoice(em, orderId));
      } catch (err) {
        // Issued at this very moment by the payment.succeeded consumer.
        if (err instanceof UniqueConstraintViolationException)
          throw problems.conflict('The order already has an invoice');
        throw err;
      }
      if (result.kind === 'exists')
        throw problems.conflict('The order already has an invoice', { invoiceId: result.invoiceId });
      if (result.kind === 'not_paid') throw problems.unprocessable('The order is not paid');
      if (result.kind === 'order_unknown')
        throw problems.unprocessable('The order is paid but its details have not arrived yet');
      reply.code(201).header('location', `/invoices/${result.invoice.id}`);
      return toInvoiceView(result.invoice);
    },
  );
}
