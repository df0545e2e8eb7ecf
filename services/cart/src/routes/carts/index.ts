// /carts: the caller's cart (a customer's by Bearer token, a guest's by X-Cart-Token), its lines,
// merging a guest cart, and checkout. Each handler validates (schemas.ts), calls one use case
// (app.carts) and shapes the reply (view.ts).
import { IDEMPOTENT_REPLAYED_HEADER } from '@mercato/idempotency';
import { type App, assertIfMatch, bearer, errorResponses, etag, IfMatchHeader } from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PricedCart } from '../../domain/cart.ts';
import { signedIn } from '../../use-cases/access.ts';
import type { CartChange } from '../../use-cases/change-lines.ts';
import {
  AddItemBody,
  CartView,
  CheckoutAnswer,
  CheckoutBody,
  CheckoutHeaders,
  customerOrGuest,
  GuestCartCreated,
  ItemParams,
  MergeBody,
  OwnCart,
  UpdateItemBody,
  UserParams,
} from './schemas.ts';
import { toCartView } from './view.ts';

export default async function cartsRoutes(app: App) {
  const carts = app.carts;
  const sendCart = (reply: FastifyReply, priced: PricedCart, status = 200) => {
    reply.code(status).header('etag', etag(priced.cart.version));
    return toCartView(priced);
  };
  const change = (request: FastifyRequest): CartChange => ({
    caller: request.cartCaller,
    ifMatch: (version: number) => assertIfMatch(request, version),
  });
  // Who asks is settled before what they sent is looked at (401 before 400).
  const anyCaller = { onRequest: app.identifyCartCaller };
  const signedInOnly = {
    onRequest: [
      app.identifyCartCaller,
      async (request: FastifyRequest) => {
        signedIn(request.cartCaller);
      },
    ],
  };

  app.post(
    '/',
    {
      schema: {
        summary:
          'A new guest cart and its token (201); a signed-in caller gets their own cart instead (200, no token)',
        security: [{}, ...bearer],
        'x-mercato-access': 'public',
        response: { 200: OwnCart, 201: GuestCartCreated, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      if (request.headers.authorization !== undefined) {
        await app.authenticate(request, reply);
        const priced = await carts.userCart(request.user);
        reply.header('etag', etag(priced.cart.version));
        return { cart: toCartView(priced) };
      }
      const { token, cart } = await carts.createGuest();
      reply.code(201).header('location', '/carts/me').header('etag', etag(cart.cart.version));
      return { token, cart: toCartView(cart) };
    },
  );

  app.get(
    '/me',
    {
      ...anyCaller,
      schema: {
        summary:
          "The caller's cart, priced now, lines flagged (a customer's is created on first use; ETag: version)",
        security: customerOrGuest,
        'x-mercato-access': 'self',
        response: { 200: CartView, ...errorResponses(401) },
      },
    },
    async (request, reply) => sendCart(reply, await carts.mine(request.cartCaller)),
  );

  app.delete(
    '/me',
    {
      ...anyCaller,
      schema: {
        summary: 'Empty the cart (If-Match honoured)',
        security: customerOrGuest,
        'x-mercato-access': 'self',
        headers: IfMatchHeader,
        response: { 204: Type.Null(), ...errorResponses(401, 412) },
      },
    },
    async (request, reply) => {
      await carts.empty(change(request));
      reply.code(204);
    },
  );

  app.get(
    '/:userId',
    {
      ...signedInOnly,
      schema: {
        summary: "A user's cart: one's own, or anyone's for an admin (another customer's: 404)",
        security: bearer,
        params: UserParams,
        response: { 200: CartView, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => sendCart(reply, await carts.ofUser(request.user, request.params.userId)),
  );

  app.post(
    '/me/items',
    {
      ...anyCaller,
      schema: {
        summary: 'Add a product (one already in the cart gets the quantity added: 200)',
        security: customerOrGuest,
        'x-mercato-access': 'self',
        headers: IfMatchHeader,
        body: AddItemBody,
        response: { 200: CartView, 201: CartView, ...errorResponses(401, 412, 422) },
      },
    },
    async (request, reply) => {
      const added = await carts.addItem(change(request), request.body);
      if (added.created) reply.header('location', `/carts/me/items/${added.itemId}`);
      return sendCart(reply, added.cart, added.created ? 201 : 200);
    },
  );

  app.patch(
    '/me/items/:itemId',
    {
      ...anyCaller,
      schema: {
        summary: "Change a line's quantity (If-Match honoured)",
        security: customerOrGuest,
        'x-mercato-access': 'self',
        params: ItemParams,
        headers: IfMatchHeader,
        body: UpdateItemBody,
        response: { 200: CartView, ...errorResponses(401, 404, 412, 422) },
      },
    },
    async (request, reply) =>
      sendCart(
        reply,
        await carts.changeQuantity(change(request), request.params.itemId, request.body.quantity),
      ),
  );

  app.delete(
    '/me/items/:itemId',
    {
      ...anyCaller,
      schema: {
        summary: 'Remove a line (If-Match honoured)',
        security: customerOrGuest,
        'x-mercato-access': 'self',
        params: ItemParams,
        headers: IfMatchHeader,
        response: { 204: Type.Null(), ...errorResponses(401, 404, 412) },
      },
    },
    async (request, reply) => {
      await carts.removeItem(change(request), request.params.itemId);
      reply.code(204);
    },
  );

  app.post(
    '/me/merge',
    {
      ...signedInOnly,
      schema: {
        summary: "Merge a guest cart into the customer's (quantities add up; the guest cart is deleted)",
        security: bearer,
        'x-mercato-access': 'self',
        body: MergeBody,
        response: { 200: CartView, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => sendCart(reply, await carts.merge(request.cartCaller, request.body.token)),
  );

  app.post(
    '/me/checkout',
    {
      ...signedInOnly,
      schema: {
        summary:
          'Place an order from the cart (the ordered lines leave it); the same Idempotency-Key returns the first result',
        security: bearer,
        'x-mercato-access': 'self',
        headers: CheckoutHeaders,
        body: CheckoutBody,
        response: {
          201: CheckoutAnswer,
          ...errorResponses(401, 403, 404, 409, 422, 429, 502),
        },
      },
    },
    async (request, reply) => {
      const placed = await carts.checkout({
        caller: request.cartCaller,
        authorization: request.headers.authorization ?? '',
        idempotencyKey: request.headers['idempotency-key'],
        body: request.body,
      });
      if (placed.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      reply.code(201).header('location', `/orders/${placed.body.order.id}`);
      return placed.body;
    },
  );
}
