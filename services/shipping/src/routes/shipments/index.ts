// /shippings (shipments): a customer's parcels (an admin's view of all, with ?status=exception for the
// ones a carrier reported a problem with), one with its tracking history, and its PDF label.
import { type App, bearer, errorResponses } from '@mercato/kit';
import type { ShipmentsContext } from '../../use-cases/context.ts';
import { getShipmentFor, listShipmentsFor, shipmentLabelFor } from '../../use-cases/read.ts';
import { LabelPdf, ListShipmentsQuery, ShipmentPage, ShipmentParams, ShipmentView } from './schemas.ts';
import { toShipmentSummary, toShipmentView } from './view.ts';

export default async function shipmentsRoutes(app: App, opts: { ctx: ShipmentsContext }) {
  const { orm } = opts.ctx;

  // Authentication before validation: an anonymous caller learns nothing about the request shape.
  app.addHook('onRequest', app.authenticate);

  app.get(
    '',
    {
      schema: {
        summary: "Shipments: your own, or everyone's for an admin; newest first",
        description:
          'Filter by ?orderId= (the parcels of one order, one per store that holds its stock) and by ?status= ' +
          "(a status, or 'exception': parcels whose last carrier exception is not resolved yet).",
        security: bearer,
        querystring: ListShipmentsQuery,
        response: { 200: ShipmentPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, orderId, status } = request.query;
      const { items, total } = await listShipmentsFor(orm, request.user, { page, pageSize, orderId, status });
      return { items: items.map(toShipmentSummary), page, pageSize, total };
    },
  );

  app.get(
    '/:shipmentId',
    {
      schema: {
        summary: 'One shipment with its tracking history (your own, or any for an admin)',
        description:
          'The parcel from one store of the order: status (the furthest point reached), the last carrier exception ' +
          'while unresolved, and every tracking event in the order it happened. Another customer’s is 404.',
        security: bearer,
        params: ShipmentParams,
        response: { 200: ShipmentView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { shipment, tracking } = await getShipmentFor(orm, request.user, request.params.shipmentId);
      return toShipmentView(shipment, tracking);
    },
  );

  app.get(
    '/:shipmentId/label',
    {
      schema: {
        summary: "The shipment's PDF label: addresses and a barcode of the tracking number",
        description:
          '409 label-not-ready while the parcel is being booked with the carrier (or was refused).',
        security: bearer,
        params: ShipmentParams,
        produces: ['application/pdf'],
        response: {
          200: LabelPdf,
          ...errorResponses(400, 401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const pdf = await shipmentLabelFor(orm, request.user, request.params.shipmentId);
      reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="label-${request.params.shipmentId}.pdf"`)
        .send(pdf);
    },
  );
}
