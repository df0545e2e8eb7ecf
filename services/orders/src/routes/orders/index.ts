// /orders: placing (the hot path), reading, status changes, cancellation and line edits. Each handler
// validates (schemas.ts), calls one use case (app.orderUseCases) and shapes the reply (view.ts).
import { IDEMPOTENT_REPLAYED_HEADER } from '@mercato/idempotency';
import {
  type App,
  adminOnly,
  assertIfMatch,
  bearer,
  errorResponses,
  etag,
  IdParam,
  IfMatchHeader,
  idempotencyKeyHeader,
  problems,
} from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ItemFields, OrderFields } from '../../domain/order.ts';
import {
  AddItemBody,
  HistoryParams,
  HistoryQuery,
  ItemParams,
  ListOrdersQuery,
  OrderPage,
  OrderView,
  PlaceOrderBody,
  RemoveItemQuery,
  SetStatusBody,
  StatusView,
  UpdateItemBody,
} from './schemas.ts';
import { toOrderView, toStatusView } from './view.ts';

export default async function ordersRoutes(app: App) {
  const orders = app.orderUseCases;
  const view = (order: OrderFields, items: readonly ItemFields[]) =>
    toOrderView(order, items, orders.paymentRetryWindowMs);
  const sendOrder = (reply: FastifyReply, body: OrderView, status = 200) => {
    reply.code(status).header('etag', etag(body.version));
    return body;
  };
  /** The caller and the If-Match check of an update on one order. */
  const change = (request: FastifyRequest, orderId: string) => ({
    user: request.user,
    orderId,
    ifMatch: (version: number) => assertIfMatch(request, version),
  });

  // Authentication before validation: an anonymous caller learns nothing about the request shape.
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/orders',
    {
      schema: {
        summary: 'Place an order (PENDING); the same Idempotency-Key returns the first result',
        description:
          "The shipping address must be one of the caller's (read from identity at once, as the caller, " +
          'and kept on the order as it is now); 503 when identity does not answer. With `shipping`, the ' +
          "quote is read from shipping and its option's price becomes the order's shipping line (total = " +
          'lines + shipping); 422 shipping-quote-unknown / -expired / shipping-level-unavailable / ' +
          'shipping-quote-mismatch naming the field, 503 when shipping does not answer.',
        security: bearer,
        headers: idempotencyKeyHeader,
        body: PlaceOrderBody,
        response: { 201: OrderView, ...errorResponses(400, 401, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const placed = await orders.place({
        user: request.user,
        authorization: request.headers.authorization,
        body: request.body,
        idempotencyKey: request.headers['idempotency-key'],
      });
      if (placed.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      reply.header('location', `/orders/${placed.body.id}`);
      return sendOrder(reply, placed.body, placed.statusCode);
    },
  );

  app.get(
    '/orders',
    {
      schema: {
        summary: "List orders: a customer's own; an admin's all, filtered by status and userId",
        security: bearer,
        querystring: ListOrdersQuery,
        response: { 200: OrderPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { orders: rows, ...page } = await orders.list(request.user, request.query);
      return { items: rows.map((o) => view(o.order, o.items)), ...page };
    },
  );

  app.get(
    '/orders/history/:userId',
    {
      schema: {
        summary: "One user's orders, newest first (own, or any for an admin)",
        security: bearer,
        params: HistoryParams,
        querystring: HistoryQuery,
        response: { 200: OrderPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { orders: rows, ...page } = await orders.history(
        request.user,
        request.params.userId,
        request.query,
      );
      return { items: rows.map((o) => view(o.order, o.items)), ...page };
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        summary: 'One order (ETag: its version)',
        security: bearer,
        params: IdParam,
        response: { 200: OrderView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { order, items } = await orders.get(request.user, request.params.id);
      return sendOrder(reply, view(order, items));
    },
  );

  app.get(
    '/orders/:id/status',
    {
      schema: {
        summary: "An order's status and every transition it went through",
        security: bearer,
        params: IdParam,
        response: { 200: StatusView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { order, history } = await orders.status(request.user, request.params.id);
      return toStatusView(order, history, orders.paymentRetryWindowMs);
    },
  );

  app.put(
    '/orders/:id',
    {
      onRequest: adminOnly,
      schema: {
        summary: 'Admin: move the order to another status (legal transitions only; If-Match honoured)',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        body: SetStatusBody,
        response: { 200: OrderView, ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const { order, items } = await orders.setStatus({
        ...change(request, request.params.id),
        status: request.body.status,
      });
      return sendOrder(reply, view(order, items));
    },
  );

  app.delete(
    '/orders/:id',
    {
      onRequest: adminOnly,
      schema: {
        summary: 'Admin: delete an order (an open one is announced as cancelled first)',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await orders.delete(change(request, request.params.id));
      reply.code(204);
    },
  );

  app.post(
    '/orders/:id/cancel',
    {
      schema: {
        summary: 'Cancel an order while PENDING or CONFIRMED',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        response: { 200: OrderView, ...errorResponses(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const { order, items } = await orders.cancel(change(request, request.params.id));
      return sendOrder(reply, view(order, items));
    },
  );

  app.post(
    '/orders/:id/items',
    {
      schema: {
        summary: 'Add a line to a PENDING order (an existing product gets the quantity added)',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        body: AddItemBody,
        response: { 201: OrderView, ...errorResponses(400, 401, 404, 409, 412, 422, 503) },
      },
    },
    async (request, reply) => {
      const { order, items } = await orders.addLine({
        ...change(request, request.params.id),
        ...request.body,
      });
      // The created (or grown) line is the resource: its address, the order in the body.
      const line = items.find((item) => item.productId === request.body.productId);
      if (line) reply.header('location', `/orders/${order.id}/items/${line.id}`);
      return sendOrder(reply, view(order, items), 201);
    },
  );

  app.put(
    '/orders/:id/items/:itemId',
    {
      schema: {
        summary: "Change a line's quantity on a PENDING order",
        security: bearer,
        params: ItemParams,
        headers: IfMatchHeader,
        body: UpdateItemBody,
        response: { 200: OrderView, ...errorResponses(400, 401, 404, 409, 412, 422, 503) },
      },
    },
    async (request, reply) => {
      const { order, items } = await orders.changeLineQuantity({
        ...change(request, request.params.id),
        itemId: request.params.itemId,
        quantity: request.body.quantity,
        ...(request.body.shipping ? { shipping: request.body.shipping } : {}),
      });
      return sendOrder(reply, view(order, items));
    },
  );

  app.delete(
    '/orders/:id/items/:itemId',
    {
      schema: {
        summary: 'Remove a line from a PENDING order (not the last one: cancel the order instead)',
        security: bearer,
        params: ItemParams,
        headers: IfMatchHeader,
        querystring: RemoveItemQuery,
        response: { 200: OrderView, ...errorResponses(400, 401, 404, 409, 412, 422, 503) },
      },
    },
    async (request, reply) => {
      const { shippingQuoteId, shippingLevel } = request.query;
      if ((shippingQuoteId === undefined) !== (shippingLevel === undefined))
        throw problems.badRequest('shippingQuoteId and shippingLevel go together', {
          errors: [{ path: 'querystring/shippingQuoteId', message: 'give both or neither' }],
        });
      const shipping =
        shippingQuoteId && shippingLevel ? { quoteId: shippingQuoteId, level: shippingLevel } : undefined;
      const { order, items } = await orders.removeLine({
        ...change(request, request.params.id),
        itemId: request.params.itemId,
        ...(shipping ? { shipping } : {}),
      });
      return sendOrder(reply, view(order, items));
    },
  );
}
