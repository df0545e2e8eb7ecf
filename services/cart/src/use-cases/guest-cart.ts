// POST /carts: a new guest cart and the token that opens it (shown once; only its hash is stored).
// A signed-in caller needs no token: they get their own cart instead.
import type { AuthUser } from '@mercato/kit';
import type { PricedCart } from '../domain/cart.ts';
import { hashCartToken, newCartToken } from '../domain/token.ts';
import { ensureUserCart, insertGuestCart } from '../persistence/carts.ts';
import { type CartContext, pricedCart } from './context.ts';

export async function createGuestCart(ctx: CartContext): Promise<{ token: string; cart: PricedCart }> {
  const token = newCartToken();
  const em = ctx.orm.em.fork();
  const cart = await insertGuestCart(em, hashCartToken(token), ctx.guestTtlHours);
  return { token, cart: await pricedCart(em, ctx, cart) };
}

export async function userCart(ctx: CartContext, user: AuthUser): Promise<PricedCart> {
  const em = ctx.orm.em.fork();
  return pricedCart(em, ctx, await ensureUserCart(em, user.sub));
}
