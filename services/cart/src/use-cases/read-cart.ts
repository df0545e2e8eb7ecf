// Reading a cart: the caller's own (a customer's is created on first use, so /carts/me never 404s for
// them), or a user's by id (the owner, or an admin; anyone else gets 404, never 403).
import type { AuthUser } from '@mercato/kit';
import { problems } from '@mercato/kit';
import type { PricedCart } from '../domain/cart.ts';
import { cartOf, ensureUserCart, findUserCart } from '../persistence/carts.ts';
import { type CartCaller, ownerOf } from './access.ts';
import { type CartContext, pricedCart } from './context.ts';
import { mergeSentGuestCart } from './merge-carts.ts';

export async function getMyCart(ctx: CartContext, caller: CartCaller): Promise<PricedCart> {
  await mergeSentGuestCart(ctx, caller);
  const em = ctx.orm.em.fork();
  const cart = await cartOf(em, ownerOf(caller));
  if (!cart) throw problems.unauthorized('The cart token is unknown or has expired');
  return pricedCart(em, ctx, cart);
}

/**
 * A user's cart: the owner's own (as /carts/me, created on first use); an admin sees anyone's, and a
 * user who never had a cart is 404 for them (nothing is created for a look).
 */
export async function getCartOfUser(ctx: CartContext, user: AuthUser, userId: string): Promise<PricedCart> {
  const em = ctx.orm.em.fork();
  if (user.sub === userId) return pricedCart(em, ctx, await ensureUserCart(em, userId));
  if (user.role !== 'admin') throw problems.notFound('Cart not found');
  const cart = await findUserCart(em, userId);
  if (!cart) throw problems.notFound('This user has no cart');
  return pricedCart(em, ctx, cart);
}
