// /shippings/returns: a customer sends delivered lines back (a return label, a refund once the store
// has them), lists and reads their returns, and gets the return label.
import { IDEMPOTENT_REPLAYED_HEADER } from '@mercato/idempotency';
import { type App, bearer, errorResponses } from '@mercato/kit';
import type { ShipmentsContext } from '../../use-cases/context.ts';
import { getReturnFor, listReturnsFor, returnLabelFor } from '../../use-cases/read.ts';
import { requestReturn } from '../../use-cases/request-return.ts';
import { LabelPdf } from '../shipments/schemas.ts';
import {
  ListReturnsQuery,
  ReturnBody,
  ReturnHeaders,
  ReturnPage,
  ReturnParams,
  ReturnView,
} from './schemas.ts';
import { toReturnView } from './view.ts';

export default async function returnsRoutes(app: App, opts: { ctx: ShipmentsContext }) {
  const { ctx } = opts;
  const { orm } = ctx;

  // Authentication before validation: an anonymous caller learns nothing about the request shape.
  app.addHook('onRequest', app.authenticate);

  app.post(
    '',
    {
      schema: {
        summary: 'Return lines of a delivered order; the same Idempotency-Key returns the first return',
        description:
          'Allowed when every parcel of the order was delivered, within RETURN_WINDOW_DAYS of the last delivery ' +
          '(422 order-not-delivered / return-window-closed), for at most the units shipped minus those already ' +
          'returned (409 already-returned). The parcel goes to the store that shipped most of the units; its ' +
          'label is at labelUrl once booked with the carrier. When the store receives it, the stock goes back ' +
          'on hand and the paid amount of the lines is refunded. Another customer’s order is 404.',
        security: bearer,
        headers: ReturnHeaders,
        body: ReturnBody,
        response: { 201: ReturnView, ...errorResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { ret, replayed } = await requestReturn(ctx, request.user, {
        ...request.body,
        idempotencyKey: request.headers['idempotency-key'],
      });
      if (replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      reply.code(201).header('location', `/shippings/returns/${ret.id}`);
      return toReturnView(ret);
    },
  );

  app.get(
    '',
    {
      schema: {
        summary: "Returns: your own, or everyone's for an admin; newest first (?orderId= for one order's)",
        description: 'Each return with its lines, refund, status and, once booked, its tracking number.',
        security: bearer,
        querystring: ListReturnsQuery,
        response: { 200: ReturnPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, orderId } = request.query;
      const { items, total } = await listReturnsFor(orm, request.user, { page, pageSize, orderId });
      return { items: items.map((r) => toReturnView(r)), page, pageSize, total };
    },
  );

  app.get(
    '/:returnId',
    {
      schema: {
        summary: 'One return with its tracking history',
        description:
          'received: the store has the parcel, the units are back on hand and the refund is under way. ' +
          'Another customer’s is 404.',
        security: bearer,
        params: ReturnParams,
        response: { 200: ReturnView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { ret, tracking } = await getReturnFor(orm, request.user, request.params.returnId);
      return toReturnView(ret, tracking);
    },
  );

  app.get(
    '/:returnId/label',
    {
      schema: {
        summary: 'The return label (PDF) to stick on the parcel',
        description:
          '409 label-not-ready while the return is being booked with the carrier (or was refused).',
        security: bearer,
        params: ReturnParams,
        produces: ['application/pdf'],
        response: { 200: LabelPdf, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const pdf = await returnLabelFor(orm, request.user, request.params.returnId);
      reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="return-label-${request.params.returnId}.pdf"`)
        .send(pdf);
    },
  );
}
