// Stock per product and store. Note the two meanings of `/stocks/{x}`: PUT and PATCH take a stock
// row's id (one product in one store, the thing with a version), GET takes a product id (the
// product's level over every store, what a product page shows).
import {
  type App,
  adminOnly,
  assertIfMatch,
  bearer,
  errorResponses,
  etag,
  IdParam,
  IfMatchHeader,
  Page,
} from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { changeStock } from '../../use-cases/change-stock.ts';
import { createStock } from '../../use-cases/create-stock.ts';
import { getProductStock, listStocks } from '../../use-cases/stocks.ts';
import {
  CreateStock,
  PatchStock,
  ProductParam,
  ProductStockView,
  ReplaceStock,
  StockQuery,
  StockView,
} from './schemas.ts';
import { productStockView, stockView } from './view.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 412, 422);

export default async function stockRoutes(app: App): Promise<void> {
  const tags = ['stocks'];
  const security = bearer;
  // onRequest: who asks is settled before what they sent is looked at (401/403 before 400).
  // Every route but the product read is for admins; that one is public (what a shop window shows).
  const admin = [app.authenticate, adminOnly];
  // The product read is public, but a token that comes with it is checked (a bad one is a 401, not
  // an anonymous answer): an admin's token is what unlocks the per-store detail.
  const identifyIfToken = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers.authorization !== undefined) await app.authenticate(request, reply);
  };

  app.post(
    '/',
    {
      onRequest: admin,
      schema: { tags, security, body: CreateStock, response: { 201: StockView, ...errors } },
    },
    async (request, reply) => {
      const stock = await createStock(app, request.body);
      reply.code(201).header('etag', etag(stock.version)).header('location', `/stocks/${stock.productId}`);
      return stockView(stock);
    },
  );

  app.get(
    '/',
    {
      onRequest: admin,
      schema: { tags, security, querystring: StockQuery, response: { 200: Page(StockView), ...errors } },
    },
    async (request) => {
      const { page = 1, pageSize = 20, productId, storeId } = request.query;
      const { items, total } = await listStocks(app.orm, { productId, storeId, page, pageSize });
      return { items: items.map(stockView), page, pageSize, total };
    },
  );

  app.get(
    '/:id',
    {
      onRequest: identifyIfToken,
      schema: {
        tags,
        description:
          'Real-time level of one product (by product id): its availability and what is available, for ' +
          'anyone; on hand, reserved, thresholds and every store’s detail for admins only.',
        params: ProductParam,
        response: { 200: ProductStockView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { level, cached } = await getProductStock(app, request.params.id);
      reply.header('x-cache', cached ? 'hit' : 'miss');
      return productStockView(level, request.user?.role === 'admin');
    },
  );

  // PUT replaces, PATCH changes some fields: the same change once the body is validated.
  for (const [method, body, description] of [
    ['PUT', ReplaceStock, 'Replaces one stock row (by stock row id, not product id).'],
    ['PATCH', PatchStock, 'Changes one stock row (by stock row id, not product id).'],
  ] as const) {
    app.route({
      method,
      url: '/:id',
      onRequest: admin,
      schema: {
        tags,
        security,
        description,
        params: IdParam,
        headers: IfMatchHeader,
        body,
        response: { 200: StockView, ...errors },
      },
      handler: async (request, reply) => {
        const stock = await changeStock(app, {
          id: request.params.id,
          changes: request.body,
          // Without If-Match a clash with a reservation is retried; with it, it is a 412.
          ifMatch: request.headers['if-match'] ? (version) => assertIfMatch(request, version) : undefined,
        });
        reply.header('etag', etag(stock.version));
        return stockView(stock);
      },
    });
  }
}
