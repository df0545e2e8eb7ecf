// /orders: placing (the hot path), reading, status changes, cancellation and line edits.

import type { EntityManager, MikroORM } from '@mercato/db';
import type { AuthUser } from '@mercato/kit';
import {
  type App,
  assertIfMatch,
  etag,
  IdParam,
  idempotencyKeyHeader,
  ProblemSchema,
  problems,
} from '@mercato/kit';
import { OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { requestFingerprint } from '../../domain/idempotency.ts';
import {
  describePricingError,
  type KnownPrice,
  mergeLines,
  orderTotal,
  priceLines,
  type RequestedLine,
} from '../../domain/pricing.ts';
import { IllegalTransitionError, isCancellable, linesEditable } from '../../domain/status.ts';
import { Order, OrderItem, StatusChange } from '../../entities.ts';
import {
  clearPaymentFailure,
  emitCancelled,
  emitLines,
  findOrderForUpdate,
  type ItemFields,
  itemsOf,
  linesEvent,
  type OrderFields,
  transition,
} from '../../orders.ts';
import { insertPlacement } from '../../place-order.ts';
import { schemaOf } from '../../sql.ts';
import {
  AddItemBody,
  HistoryParams,
  HistoryQuery,
  IfMatchHeader,
  ItemParams,
  ListOrdersQuery,
  OrderPage,
  OrderView,
  PlaceOrderBody,
  SetStatusBody,
  StatusView,
  UpdateItemBody,
} from './schemas.ts';
import { toOrderView as orderView, paymentFailureView } from './view.ts';

// One line's quantity after merging: the same bound as a requested line.
const MAX_LINE_QUANTITY = 10_000;

/** What an Idempotency-Key stored: the first 201 of the request it was used with. */
interface StoredResponse {
  key: string;
  fingerprint: string;
  statusCode: number;
  response: OrderView;
}

const isUniqueViolation = (err: unknown) =>
  err instanceof UniqueConstraintViolationException || (err as { code?: string })?.code === '23505';

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ProblemSchema]));
const security = [{ bearerAuth: [] }];

export default async function ordersRoutes(
  app: App,
  opts: {
    orm: MikroORM;
    /** PAYMENT_RETRY_WINDOW_MS: the retry deadline shown with a declined payment. */
    paymentRetryWindowMs: number;
  },
) {
  const { orm, paymentRetryWindowMs } = opts;
  const toOrderView = (order: OrderFields, items: readonly ItemFields[]) =>
    orderView(order, items, paymentRetryWindowMs);

  // Authentication before validation: an anonymous caller learns nothing about the request shape.
  app.addHook('onRequest', app.authenticate);
  const adminOnly = async (request: FastifyRequest) => {
    if (request.user.role !== 'admin') throw problems.forbidden('This requires the admin role');
  };

  app.setErrorHandler((error, _request, _reply) => {
    if (error instanceof IllegalTransitionError)
      throw problems.conflict(error.message, { from: error.from, to: error.to });
    if (error instanceof OptimisticLockError)
      throw problems.conflict('The order changed meanwhile; read it again');
    throw error; // everything else: the kit's problem+json handler
  });

  /** The order, or 404 when it does not exist or belongs to someone else (no existence leak). */
  const visibleOrder = (order: Order | null, user: AuthUser): Order => {
    if (!order || (user.role !== 'admin' && order.userId !== user.sub))
      throw problems.notFound('No such order');
    return order;
  };

  const sendOrder = (reply: FastifyReply, view: OrderView, status = 200) => {
    reply.code(status).header('etag', etag(view.version));
    return view;
  };

  const viewsOf = async (em: EntityManager, orders: Order[]) => {
    const items = orders.length
      ? await em.find(
          OrderItem,
          { orderId: { $in: orders.map((o) => o.id) } },
          { orderBy: { createdAt: 'asc', id: 'asc' } },
        )
      : [];
    const byOrder = new Map<string, OrderItem[]>();
    for (const i of items) {
      const list = byOrder.get(i.orderId);
      if (list) list.push(i);
      else byOrder.set(i.orderId, [i]);
    }
    return orders.map((o) => toOrderView(o, byOrder.get(o.id) ?? []));
  };

  // Plain SQL: on the hot path the ORM's query building and entity hydration cost more CPU than the
  // query itself, for rows that are only read.
  const pricesOf = async (em: EntityManager, productIds: string[]): Promise<Map<string, KnownPrice>> => {
    const rows: { product_id: string; name: string; amount: string; currency: string; active: boolean }[] =
      await em.execute(
        `select product_id, name, amount, currency, active from ${schemaOf(em)}.product_price
         where product_id in (?) and not deleted`,
        [productIds],
      );
    return new Map(
      rows.map((r) => [
        r.product_id,
        {
          productId: r.product_id,
          name: r.name,
          amount: r.amount,
          currency: r.currency.trim(),
          active: r.active,
        },
      ]),
    );
  };

  /** The stored 201 of an earlier POST /orders with this Idempotency-Key, if any (plain SQL, as above). */
  const idempotencyRecord = async (
    em: EntityManager,
    userId: string,
    key: string,
  ): Promise<StoredResponse | undefined> => {
    const [row]: { fingerprint: string; status_code: number; response: OrderView }[] = await em.execute(
      `select fingerprint, status_code, response from ${schemaOf(em)}.idempotency_key
       where user_id = ? and key = ?`,
      [userId, key],
    );
    return row && { key, fingerprint: row.fingerprint, statusCode: row.status_code, response: row.response };
  };

  const priceOrThrow = (lines: RequestedLine[], prices: Map<string, KnownPrice>) => {
    const priced = priceLines(lines, prices);
    if (!priced.ok) throw problems.unprocessable(describePricingError(priced.error), { ...priced.error });
    return priced.lines;
  };

  const replay = (reply: FastifyReply, record: StoredResponse, fingerprint: string) => {
    if (record.fingerprint !== fingerprint) {
      throw problems.unprocessable('This Idempotency-Key was already used with a different request', {
        idempotencyKey: record.key,
      });
    }
    const body = record.response;
    reply.header('idempotent-replayed', 'true').header('location', `/orders/${body.id}`);
    return sendOrder(reply, body, record.statusCode);
  };

  app.post(
    '/orders',
    {
      schema: {
        summary: 'Place an order (PENDING); the same Idempotency-Key returns the first result',
        security,
        headers: idempotencyKeyHeader,
        body: PlaceOrderBody,
        response: { 201: OrderView, ...errors(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const user = request.user;
      const key = request.headers['idempotency-key'];
      // Only a request with a key is compared with another one (a hash of the whole body).
      const fingerprint = key ? requestFingerprint(request.body) : '';
      const lines = mergeLines(request.body.lines);
      if (lines.some((l) => l.quantity > MAX_LINE_QUANTITY)) {
        throw problems.unprocessable(`A product's total quantity is at most ${MAX_LINE_QUANTITY}`);
      }
      const em = orm.em.fork();
      // Both reads at once, on two connections: the hot path waits for one round trip, not two.
      const [previous, prices] = await Promise.all([
        key ? idempotencyRecord(em, user.sub, key) : undefined,
        pricesOf(
          em,
          lines.map((l) => l.productId),
        ),
      ]);
      if (previous) return replay(reply, previous, fingerprint);
      const priced = priceOrThrow(lines, prices);

      const now = new Date();
      const order: OrderFields = {
        id: uuidv7(),
        userId: user.sub,
        status: 'PENDING',
        revision: 1,
        totalAmount: orderTotal(priced),
        currency: priced[0]!.currency,
        shippingAddressId: request.body.shippingAddressId,
        paymentMethod: request.body.paymentMethod,
        cancelReason: null,
        paymentFailedAt: null,
        paymentFailureReason: null,
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      const items: ItemFields[] = priced.map((l) => ({
        id: uuidv7(),
        productId: l.productId,
        productName: l.name,
        quantity: l.quantity,
        unitAmount: l.unitAmount,
        currency: l.currency,
      }));
      const view = toOrderView(order, items);
      try {
        await insertPlacement(em, {
          order,
          items,
          historyId: uuidv7(),
          event: linesEvent('order.placed', order, items),
          ...(key ? { idempotency: { key, fingerprint, statusCode: 201, response: view } } : {}),
        });
      } catch (err) {
        if (!(key && isUniqueViolation(err))) throw err;
        // A concurrent request with the same key won the race: answer with its result.
        const winner = await idempotencyRecord(em, user.sub, key);
        if (!winner) throw err;
        return replay(reply, winner, fingerprint);
      }
      reply.header('location', `/orders/${order.id}`);
      return sendOrder(reply, view, 201);
    },
  );

  app.get(
    '/orders',
    {
      schema: {
        summary: "List orders: a customer's own; an admin's all, filtered by status and userId",
        security,
        querystring: ListOrdersQuery,
        response: { 200: OrderPage, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const user = request.user;
      const { status, userId } = request.query;
      const page = request.query.page ?? 1;
      const pageSize = request.query.pageSize ?? 20;
      if (user.role !== 'admin' && userId !== undefined && userId !== user.sub) {
        throw problems.forbidden('Customers can list only their own orders');
      }
      const where: Record<string, unknown> = {};
      if (user.role !== 'admin') where.userId = user.sub;
      else if (userId) where.userId = userId;
      if (status) where.status = status;
      const em = orm.em.fork();
      const [orders, total] = await em.findAndCount(Order, where, {
        orderBy: { createdAt: 'desc', id: 'desc' },
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      return { items: await viewsOf(em, orders), page, pageSize, total };
    },
  );

  app.get(
    '/orders/history/:userId',
    {
      schema: {
        summary: "One user's orders, newest first (own, or any for an admin)",
        security,
        params: HistoryParams,
        querystring: HistoryQuery,
        response: { 200: OrderPage, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const user = request.user;
      const { userId } = request.params;
      if (user.role !== 'admin' && userId !== user.sub) {
        throw problems.forbidden('Customers can see only their own order history');
      }
      const page = request.query.page ?? 1;
      const pageSize = request.query.pageSize ?? 20;
      const em = orm.em.fork();
      const [orders, total] = await em.findAndCount(
        Order,
        { userId },
        { orderBy: { createdAt: 'desc', id: 'desc' }, limit: pageSize, offset: (page - 1) * pageSize },
      );
      return { items: await viewsOf(em, orders), page, pageSize, total };
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        summary: 'One order (ETag: its version)',
        security,
        params: IdParam,
        response: { 200: OrderView, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const order = visibleOrder(await em.findOne(Order, { id: request.params.id }), request.user);
      return sendOrder(reply, toOrderView(order, await itemsOf(em, order.id)));
    },
  );

  app.get(
    '/orders/:id/status',
    {
      schema: {
        summary: "An order's status and every transition it went through",
        security,
        params: IdParam,
        response: { 200: StatusView, ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      const order = visibleOrder(await em.findOne(Order, { id: request.params.id }), request.user);
      const history = await em.find(
        StatusChange,
        { orderId: order.id },
        { orderBy: { at: 'asc', id: 'asc' } },
      );
      const payment = paymentFailureView(order, paymentRetryWindowMs);
      return {
        orderId: order.id,
        status: order.status,
        ...(order.cancelReason ? { cancelReason: order.cancelReason } : {}),
        ...(payment ? { payment } : {}),
        history: history.map((h) => ({
          from: h.fromStatus ?? null,
          to: h.toStatus,
          at: h.at.toISOString(),
          cause: h.cause,
        })),
      };
    },
  );

  app.put(
    '/orders/:id',
    {
      onRequest: adminOnly,
      schema: {
        summary: 'Admin: move the order to another status (legal transitions only; If-Match honoured)',
        security,
        params: IdParam,
        headers: IfMatchHeader,
        body: SetStatusBody,
        response: { 200: OrderView, ...errors(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const view = await orm.em.fork().transactional(async (em) => {
        const order = visibleOrder(await findOrderForUpdate(em, request.params.id), request.user);
        assertIfMatch(request, order.version);
        await transition(em, order, request.body.status, {
          cause: `admin:${request.user.sub}`,
          cancelReason: 'admin',
        });
        await em.flush();
        return toOrderView(order, await itemsOf(em, order.id));
      });
      return sendOrder(reply, view);
    },
  );

  app.delete(
    '/orders/:id',
    {
      onRequest: adminOnly,
      schema: {
        summary: 'Admin: delete an order (an open one is announced as cancelled first)',
        security,
        params: IdParam,
        headers: IfMatchHeader,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await orm.em.fork().transactional(async (em) => {
        const order = visibleOrder(await findOrderForUpdate(em, request.params.id), request.user);
        assertIfMatch(request, order.version);
        // Inventory still holds a reservation and payments may have captured: let them undo it.
        if (isCancellable(order.status)) await emitCancelled(em, order, 'admin', order.status);
        em.remove(order);
      });
      reply.code(204);
      return null;
    },
  );

  app.post(
    '/orders/:id/cancel',
    {
      schema: {
        summary: 'Cancel an order while PENDING or CONFIRMED',
        security,
        params: IdParam,
        headers: IfMatchHeader,
        response: { 200: OrderView, ...errors(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const user = request.user;
      const view = await orm.em.fork().transactional(async (em) => {
        const order = visibleOrder(await findOrderForUpdate(em, request.params.id), user);
        assertIfMatch(request, order.version);
        const byOwner = order.userId === user.sub;
        await transition(em, order, 'CANCELLED', {
          cause: byOwner ? 'customer' : `admin:${user.sub}`,
          cancelReason: byOwner ? 'customer' : 'admin',
        });
        await em.flush();
        return toOrderView(order, await itemsOf(em, order.id));
      });
      return sendOrder(reply, view);
    },
  );

  /**
   * Runs a change of lines on a PENDING order the caller may see: recomputes the total, bumps the
   * revision and emits order.lines_changed so inventory redoes the reservation for the new revision.
   */
  const changeLines = async (
    request: FastifyRequest,
    orderId: string,
    change: (em: EntityManager, order: Order, items: OrderItem[]) => Promise<OrderItem[]>,
  ) =>
    orm.em.fork().transactional(async (em) => {
      const order = visibleOrder(await findOrderForUpdate(em, orderId), request.user);
      assertIfMatch(request, order.version);
      if (!linesEditable(order.status)) {
        throw problems.conflict(`The lines of a ${order.status} order cannot change any more`, {
          status: order.status,
        });
      }
      const items = await change(em, order, await itemsOf(em, order.id));
      order.totalAmount = orderTotal(items);
      order.revision += 1;
      order.updatedAt = new Date();
      // The new revision is reserved and charged afresh: an earlier revision's declined payment (and
      // its retry window) no longer concerns it.
      clearPaymentFailure(order);
      await emitLines(em, 'order.lines_changed', order, items);
      await em.flush();
      return toOrderView(order, items);
    });

  const findItem = (items: OrderItem[], itemId: string) => {
    const item = items.find((i) => i.id === itemId);
    if (!item) throw problems.notFound('No such line in this order');
    return item;
  };

  app.post(
    '/orders/:id/items',
    {
      schema: {
        summary: 'Add a line to a PENDING order (an existing product gets the quantity added)',
        security,
        params: IdParam,
        headers: IfMatchHeader,
        body: AddItemBody,
        response: { 201: OrderView, ...errors(400, 401, 404, 409, 412, 422) },
      },
    },
    async (request, reply) => {
      const { productId, quantity } = request.body;
      const view = await changeLines(request, request.params.id, async (em, order, items) => {
        const existing = items.find((i) => i.productId === productId);
        if (existing) {
          if (existing.quantity + quantity > MAX_LINE_QUANTITY) {
            throw problems.unprocessable(`A product's total quantity is at most ${MAX_LINE_QUANTITY}`);
          }
          existing.quantity += quantity;
          return items;
        }
        const [line] = priceOrThrow([{ productId, quantity }], await pricesOf(em, [productId]));
        if (line!.currency !== order.currency.trim()) {
          throw problems.unprocessable(
            `The order is in ${order.currency.trim()}; product ${productId} is priced in ${line!.currency}`,
            { kind: 'mixed_currencies', currencies: [order.currency.trim(), line!.currency] },
          );
        }
        const item = em.create(OrderItem, {
          id: uuidv7(),
          orderId: order.id,
          productId,
          productName: line!.name,
          quantity,
          unitAmount: line!.unitAmount,
          currency: line!.currency,
          createdAt: new Date(),
        });
        return [...items, item];
      });
      return sendOrder(reply, view, 201);
    },
  );

  app.put(
    '/orders/:id/items/:itemId',
    {
      schema: {
        summary: "Change a line's quantity on a PENDING order",
        security,
        params: ItemParams,
        headers: IfMatchHeader,
        body: UpdateItemBody,
        response: { 200: OrderView, ...errors(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const view = await changeLines(request, request.params.id, async (_em, _order, items) => {
        findItem(items, request.params.itemId).quantity = request.body.quantity;
        return items;
      });
      return sendOrder(reply, view);
    },
  );

  app.delete(
    '/orders/:id/items/:itemId',
    {
      schema: {
        summary: 'Remove a line from a PENDING order (not the last one: cancel the order instead)',
        security,
        params: ItemParams,
        headers: IfMatchHeader,
        response: { 200: OrderView, ...errors(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const view = await changeLines(request, request.params.id, async (em, _order, items) => {
        const item = findItem(items, request.params.itemId);
        if (items.length === 1)
          throw problems.conflict('An order keeps at least one line; cancel the order instead');
        em.remove(item);
        return items.filter((i) => i !== item);
      });
      return sendOrder(reply, view);
    },
  );
}
