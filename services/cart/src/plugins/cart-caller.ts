// Who is calling a /carts route: decorates `app.identifyCartCaller`, an onRequest hook that sets
// `request.cartCaller` from the Bearer token (a customer or admin) or else the X-Cart-Token header (a
// guest), and answers 401 when neither opens anything. A signed-in caller's X-Cart-Token, when
// well-formed, is kept as the guest cart to merge (merge on login); a stale one is ignored, since
// clients keep sending the token they had after it was merged.
import { problems } from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type CartCaller, guestCaller, tokenToMerge } from '../use-cases/access.ts';

export const CART_TOKEN_HEADER = 'x-cart-token';

declare module 'fastify' {
  interface FastifyInstance {
    identifyCartCaller(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
  interface FastifyRequest {
    cartCaller: CartCaller;
  }
}

const headerOf = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export default fp(
  async (app) => {
    app.decorateRequest('cartCaller', null as never);
    app.decorate('identifyCartCaller', async (request: FastifyRequest, reply: FastifyReply) => {
      const token = headerOf(request, CART_TOKEN_HEADER);
      if (request.headers.authorization !== undefined) {
        await app.authenticate(request, reply);
        request.cartCaller = { kind: 'user', user: request.user, guestTokenHash: tokenToMerge(token) };
        return;
      }
      if (token === undefined) {
        throw problems.unauthorized('Send a Bearer token, or the X-Cart-Token of a guest cart (POST /carts)');
      }
      request.cartCaller = await guestCaller(app.orm, token);
    });
  },
  { name: 'cart-caller' },
);
