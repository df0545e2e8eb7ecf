// The cart use cases bound to this app's ORM, limits and service clients, as the routes call them
// (app.carts), with checkout's Idempotency-Key records holding the first 201's body.
import type { MikroORM } from '@mercato/db';
import { type AuthUser, ServiceClient } from '@mercato/kit';
import fp from 'fastify-plugin';
import type { CartLimits } from '../domain/limits.ts';
import { checkoutKeys } from '../persistence/idempotency.ts';
import type { CartView } from '../routes/carts/schemas.ts';
import { toCartView } from '../routes/carts/view.ts';
import type { CartCaller } from '../use-cases/access.ts';
import {
  addItem,
  type CartChange,
  changeQuantity,
  emptyCart,
  removeItem,
} from '../use-cases/change-lines.ts';
import { type CheckoutBody, type CheckoutRequest, checkout } from '../use-cases/checkout.ts';
import { type CartContext, pricedCart } from '../use-cases/context.ts';
import { createGuestCart, userCart } from '../use-cases/guest-cart.ts';
import { mergeByToken } from '../use-cases/merge-carts.ts';
import { getCartOfUser, getMyCart } from '../use-cases/read-cart.ts';

export interface CartUseCaseOptions {
  limits: CartLimits;
  defaultCurrency: string;
  guestTtlHours: number;
  ordersUrl: string;
  ordersTimeoutMs: number;
  ordersRetries: number;
  catalogUrl: string;
  catalogTimeoutMs: number;
}

export function cartUseCases(orm: MikroORM, opts: CartUseCaseOptions) {
  const ctx: CartContext = {
    orm,
    limits: opts.limits,
    defaultCurrency: opts.defaultCurrency,
    guestTtlHours: opts.guestTtlHours,
    catalog: new ServiceClient({
      service: 'catalog',
      baseUrl: opts.catalogUrl,
      timeoutMs: opts.catalogTimeoutMs,
    }),
    orders: new ServiceClient({
      service: 'orders',
      baseUrl: opts.ordersUrl,
      timeoutMs: opts.ordersTimeoutMs,
      retries: opts.ordersRetries,
    }),
  };
  const checkoutDeps = { keys: checkoutKeys<CheckoutBody<CartView>>(), render: toCartView };
  return {
    createGuest: () => createGuestCart(ctx),
    userCart: (user: AuthUser) => userCart(ctx, user),
    mine: (caller: CartCaller) => getMyCart(ctx, caller),
    ofUser: (user: AuthUser, userId: string) => getCartOfUser(ctx, user, userId),
    addItem: (change: CartChange, item: { productId: string; quantity: number }) =>
      addItem(ctx, change, item),
    changeQuantity: (change: CartChange, itemId: string, quantity: number) =>
      changeQuantity(ctx, change, itemId, quantity),
    removeItem: (change: CartChange, itemId: string) => removeItem(ctx, change, itemId),
    empty: (change: CartChange) => emptyCart(ctx, change),
    merge: async (caller: CartCaller, token: string) => {
      const cart = await mergeByToken(ctx, caller, token);
      return pricedCart(orm.em.fork(), ctx, cart);
    },
    checkout: (input: {
      caller: CartCaller;
      authorization: string;
      idempotencyKey: string;
      body: CheckoutRequest;
    }) => checkout<CartView>(ctx, checkoutDeps, input),
  };
}
export type CartUseCases = ReturnType<typeof cartUseCases>;

declare module 'fastify' {
  interface FastifyInstance {
    carts: CartUseCases;
  }
}

export default fp(
  async (app, opts: CartUseCaseOptions) => {
    app.decorate('carts', cartUseCases(app.orm, opts));
  },
  { name: 'cart-use-cases' },
);
