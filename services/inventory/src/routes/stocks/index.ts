// Stock per product and store. Note the two meanings of `/stocks/{x}`: PUT and PATCH take a stock
// row's id (one product in one store, the thing with a version), GET takes a product id (the
// product's level over every store, what a product page shows).

import type { StockLow } from '@mercato/contracts';
import {
  type App,
  assertIfMatch,
  etag,
  IdParam,
  Page,
  PageQuery,
  ProblemSchema,
  problems,
} from '@mercato/kit';
import { addToOutbox, envelope } from '@mercato/messaging';
import { OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { InventoryContext } from '../../app.ts';
import { SOURCE } from '../../consumers/reservations.ts';
import { fellToThreshold, productLevel, type StockLevel } from '../../domain/allocation.ts';
import { Stock, Store } from '../../entities.ts';

const Uuid = Type.String({ format: 'uuid' });
const Quantity = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

export const StockView = Type.Object({
  id: Uuid,
  productId: Uuid,
  storeId: Uuid,
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer(),
  lowStockThreshold: Type.Integer(),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export const ProductStockView = Type.Object({
  productId: Uuid,
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer(),
  lowStockThreshold: Type.Integer({ description: 'the sum of the stores’ thresholds' }),
  low: Type.Boolean({ description: 'available is at or below the threshold' }),
  stores: Type.Array(
    Type.Object({
      stockId: Uuid,
      storeId: Uuid,
      onHand: Type.Integer(),
      reserved: Type.Integer(),
      available: Type.Integer(),
      lowStockThreshold: Type.Integer(),
    }),
  ),
});
type ProductStockView = Static<typeof ProductStockView>;

const CreateStock = Type.Object(
  { productId: Uuid, storeId: Uuid, onHand: Quantity, lowStockThreshold: Type.Optional(Quantity) },
  { additionalProperties: false },
);
const ReplaceStock = Type.Object(
  { onHand: Quantity, lowStockThreshold: Quantity },
  { additionalProperties: false },
);
const PatchStock = Type.Object(
  { onHand: Type.Optional(Quantity), lowStockThreshold: Type.Optional(Quantity) },
  { additionalProperties: false, minProperties: 1 },
);
const StockQuery = Type.Object({
  ...PageQuery.properties,
  productId: Type.Optional(Uuid),
  storeId: Type.Optional(Uuid),
});
const ProductParam = Type.Object({ productId: Uuid });
const IfMatchHeader = Type.Object({ 'if-match': Type.Optional(Type.String()) });

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  412: ProblemSchema,
  422: ProblemSchema,
};

const view = (s: Stock): Static<typeof StockView> => ({
  id: s.id,
  productId: s.productId,
  storeId: s.storeId,
  onHand: s.onHand,
  reserved: s.reserved,
  available: s.onHand - s.reserved,
  lowStockThreshold: s.lowStockThreshold,
  version: s.version,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

const level = (s: Stock): StockLevel => ({
  id: s.id,
  productId: s.productId,
  storeId: s.storeId,
  onHand: s.onHand,
  reserved: s.reserved,
  version: s.version,
  lowStockThreshold: s.lowStockThreshold,
});

function productView(productId: string, rows: Stock[]): ProductStockView {
  const total = productLevel(productId, rows.map(level));
  return {
    ...total,
    low: total.available <= total.lowStockThreshold,
    stores: rows.map((s) => ({
      stockId: s.id,
      storeId: s.storeId,
      onHand: s.onHand,
      reserved: s.reserved,
      available: s.onHand - s.reserved,
      lowStockThreshold: s.lowStockThreshold,
    })),
  };
}

/** An admin change that takes a product to its threshold is as worth knowing as a sale that does. */
async function emitIfLow(em: EntityManager, productId: string, before: StockLevel[], after: StockLevel[]) {
  const was = productLevel(productId, before);
  const now = productLevel(productId, after);
  if (!fellToThreshold(was, now)) return;
  const data: StockLow = { productId, available: now.available, threshold: now.lowStockThreshold };
  await addToOutbox(em, envelope('stock.low', data, { source: SOURCE }));
}

export async function stockRoutes(app: App, { ctx }: { ctx: InventoryContext }): Promise<void> {
  const { orm, cache } = ctx;
  const tags = ['stocks'];
  const security = [{ bearerAuth: [] }];
  // onRequest: who asks is settled before what they sent is looked at (401/403 before 400).
  const admin = app.requireRole('admin');

  app.post(
    '/',
    {
      onRequest: admin,
      schema: { tags, security, body: CreateStock, response: { 201: StockView, ...errors } },
    },
    async (request, reply) => {
      const body = request.body;
      const em = orm.em.fork();
      const stock = await em.transactional(async (tx) => {
        const store = await tx.findOne(Store, { id: body.storeId });
        if (!store) throw problems.unprocessable(`No store ${body.storeId}`);
        const before = (await tx.find(Stock, { productId: body.productId })).map(level);
        const now = new Date();
        const created = tx.create(Stock, {
          id: uuidv7(),
          productId: body.productId,
          storeId: body.storeId,
          onHand: body.onHand,
          reserved: 0,
          lowStockThreshold: body.lowStockThreshold ?? 0,
          createdAt: now,
          updatedAt: now,
        });
        await emitIfLow(tx, body.productId, before, [...before, level(created)]);
        try {
          await tx.flush();
        } catch (err) {
          if (err instanceof UniqueConstraintViolationException)
            throw problems.conflict(`Stock for product ${body.productId} in store ${body.storeId} exists`);
          throw err;
        }
        return created;
      });
      await cache.invalidate([stock.productId]);
      reply.code(201).header('etag', etag(stock.version)).header('location', `/stocks/${stock.productId}`);
      return view(stock);
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
      const where = { ...(productId ? { productId } : {}), ...(storeId ? { storeId } : {}) };
      const [items, total] = await orm.em.fork().findAndCount(Stock, where, {
        orderBy: { productId: 'asc', storeId: 'asc' },
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      return { items: items.map(view), page, pageSize, total };
    },
  );

  app.get(
    '/:productId',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        description: 'Real-time level of one product (by product id) in every store and in total.',
        params: ProductParam,
        response: { 200: ProductStockView, ...errors },
      },
    },
    async (request, reply) => {
      const { productId } = request.params;
      const cached = await cache.get<ProductStockView>(productId);
      if (cached?.hit) {
        reply.header('x-cache', 'hit');
        return cached.hit;
      }
      const rows = await orm.em.fork().find(Stock, { productId }, { orderBy: { storeId: 'asc' } });
      if (rows.length === 0) throw problems.notFound(`No stock is kept for product ${productId}`);
      const result = productView(productId, rows);
      if (cached) await cache.set(productId, cached.generation, result);
      reply.header('x-cache', 'miss');
      return result;
    },
  );

  const update = async (
    request: FastifyRequest,
    id: string,
    changes: { onHand?: number; lowStockThreshold?: number },
  ): Promise<Stock> => {
    // Reservations bump the version all the time: without If-Match the admin means "whatever the
    // version", so a clash with a reservation is retried here rather than bounced to the client.
    for (let attempt = 1; ; attempt++) {
      try {
        const stock = await orm.em.fork().transactional(async (tx) => {
          const stock = await tx.findOne(Stock, { id });
          if (!stock) throw problems.notFound(`No stock row ${id}`);
          assertIfMatch(request, stock.version);
          const before = (await tx.find(Stock, { productId: stock.productId })).map(level);
          const onHand = changes.onHand ?? stock.onHand;
          if (onHand < stock.reserved)
            throw problems.unprocessable(
              `onHand ${onHand} is below the ${stock.reserved} units reserved for orders`,
              { reserved: stock.reserved },
            );
          stock.onHand = onHand;
          stock.lowStockThreshold = changes.lowStockThreshold ?? stock.lowStockThreshold;
          stock.updatedAt = new Date();
          const after = before.map((r) => (r.id === stock.id ? level(stock) : r));
          await emitIfLow(tx, stock.productId, before, after);
          return stock;
        });
        await cache.invalidate([stock.productId]);
        return stock;
      } catch (err) {
        if (!(err instanceof OptimisticLockError)) throw err;
        if (request.headers['if-match'])
          throw problems.preconditionFailed('The stock row was changed meanwhile; read it again');
        if (attempt >= 5) throw problems.conflict('The stock row is changing too fast; try again');
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  };

  app.put(
    '/:id',
    {
      onRequest: admin,
      schema: {
        tags,
        security,
        description: 'Replaces one stock row (by stock row id, not product id).',
        params: IdParam,
        headers: IfMatchHeader,
        body: ReplaceStock,
        response: { 200: StockView, ...errors },
      },
    },
    async (request, reply) => {
      const stock = await update(request, request.params.id, request.body);
      reply.header('etag', etag(stock.version));
      return view(stock);
    },
  );

  app.patch(
    '/:id',
    {
      onRequest: admin,
      schema: {
        tags,
        security,
        description: 'Changes one stock row (by stock row id, not product id).',
        params: IdParam,
        headers: IfMatchHeader,
        body: PatchStock,
        response: { 200: StockView, ...errors },
      },
    },
    async (request, reply) => {
      const stock = await update(request, request.params.id, request.body);
      reply.header('etag', etag(stock.version));
      return view(stock);
    },
  );
}
