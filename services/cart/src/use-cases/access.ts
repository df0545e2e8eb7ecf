// Who is asking: a signed-in customer (or admin), or a guest holding a cart token. A signed-in caller
// may still send the token of the guest cart they filled before logging in: that cart is merged into
// theirs on their next request to /carts/me* (merge on login).
import type { MikroORM } from '@mercato/db';
import { type AuthUser, problems } from '@mercato/kit';
import { hashCartToken, isWellFormedToken } from '../domain/token.ts';
import { type CartOwner, findGuestCart } from '../persistence/carts.ts';

export type CartCaller =
  | {
      kind: 'user';
      user: AuthUser;
      /** hash of an X-Cart-Token sent along: a guest cart to merge first (if it still exists) */
      guestTokenHash?: string;
    }
  | { kind: 'guest'; cartId: string };

export function ownerOf(caller: CartCaller): CartOwner {
  return caller.kind === 'user' ? { kind: 'user', userId: caller.user.sub } : caller;
}

/** A signed-in caller, or 401 (merge, checkout and other users' carts are not for guests). */
export function signedIn(caller: CartCaller): Extract<CartCaller, { kind: 'user' }> {
  if (caller.kind !== 'user') throw problems.unauthorized('Sign in first: a guest cart cannot do this');
  return caller;
}

/** The guest cart a token opens, or 401: malformed, unknown and expired tokens alike. */
export async function guestCaller(orm: MikroORM, token: string): Promise<CartCaller> {
  if (!isWellFormedToken(token)) throw problems.unauthorized('The cart token is malformed');
  const cart = await findGuestCart(orm.em.fork(), hashCartToken(token));
  if (!cart) throw problems.unauthorized('The cart token is unknown or has expired');
  return { kind: 'guest', cartId: cart.id };
}

/** The hash of a token sent by a signed-in caller, when it is well-formed (anything else is ignored). */
export function tokenToMerge(token: string | undefined): string | undefined {
  return token !== undefined && isWellFormedToken(token) ? hashCartToken(token) : undefined;
}
