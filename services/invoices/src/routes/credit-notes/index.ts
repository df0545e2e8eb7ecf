// /invoices/credit-notes: reading credit notes (own only; admins all) and their PDF. They are issued by
// the return.received consumer only, so there is nothing to write here.
import { type App, bearer, errorResponses, IdParam } from '@mercato/kit';
import { Type } from 'typebox';
import { CreditNotePage, CreditNoteView, ListCreditNotesQuery } from './schemas.ts';
import { toCreditNoteView } from './view.ts';

export default async function creditNotesRoutes(app: App) {
  // Authentication before validation (onRequest): an anonymous caller learns nothing about the request.
  const authenticated = { onRequest: app.authenticate };

  app.get(
    '',
    {
      ...authenticated,
      schema: {
        summary: 'Credit notes: your own, or everyone’s for an admin; newest first',
        security: bearer,
        querystring: ListCreditNotesQuery,
        response: { 200: CreditNotePage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, orderId } = request.query;
      const { items, total } = await app.invoicing.creditNotes.list(request.user, {
        page,
        pageSize,
        orderId,
      });
      return { items: items.map(toCreditNoteView), page, pageSize, total };
    },
  );

  app.get(
    '/:id',
    {
      ...authenticated,
      schema: {
        summary: 'One credit note',
        description: 'The owner’s, or anyone’s for an admin; another customer’s is 404.',
        security: bearer,
        params: IdParam,
        response: { 200: CreditNoteView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => toCreditNoteView(await app.invoicing.creditNotes.get(request.user, request.params.id)),
  );

  app.get(
    '/:id/pdf',
    {
      ...authenticated,
      schema: {
        summary: 'The credit note as a PDF',
        description:
          'Laid out like the invoice, titled Credit note, with its number and the invoice it corrects. ' +
          'The owner’s, or anyone’s for an admin; another customer’s is 404.',
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
      const { number, pdf } = await app.invoicing.creditNotes.pdf(request.user, request.params.id);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="credit-note-${number}.pdf"`)
        .send(pdf);
    },
  );
}
