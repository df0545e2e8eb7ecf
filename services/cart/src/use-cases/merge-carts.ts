// A guest cart joins the customer's: quantities of the same product add up (capped at the line
// limit), new products become lines while the line limit allows, and the guest cart is deleted.
// Race-safe and idempotent: the guest cart row is locked first and deleted in the same transaction,
// so a second merge of it (a concurrent request, a retry) finds nothing and changes nothing.
import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import type { CartFields } from '../domain/cart.ts';
import { hashCartToken } from '../domain/token.ts';
import {
  deleteCart,
  ensureUserCart,
  findGuestCart,
  insertLine,
  linesOf,
  setLineQuantity,
  touchCart,
} from '../persistence/carts.ts';
import type { CartCaller } from './access.ts';
import type { CartContext } from './context.ts';

/** Merges the guest cart of `tokenHash` into the user's cart; false when there is no such cart (any more). */
export async function mergeGuestCart(
  em: EntityManager,
  ctx: CartContext,
  userId: string,
  tokenHash: string,
): Promise<boolean> {
  // Guest first, then the user's: every path that locks both does it in this order.
  const guest = await findGuestCart(em, tokenHash, true);
  if (!guest) return false;
  const target = await ensureUserCart(em, userId, true);
  const [from, into] = await Promise.all([linesOf(em, guest.id), linesOf(em, target.id)]);
  const byProduct = new Map(into.map((l) => [l.productId, l]));
  let lines = into.length;
  for (const line of from) {
    const held = byProduct.get(line.productId);
    if (held) {
      const quantity = Math.min(held.quantity + line.quantity, ctx.limits.maxLineQuantity);
      if (quantity !== held.quantity) await setLineQuantity(em, held.id, quantity);
    } else if (lines < ctx.limits.maxLines) {
      // The guest's price when added stays: a change since is still flagged on the merged line.
      await insertLine(em, target.id, { ...line, id: uuidv7() });
      lines++;
    }
  }
  await deleteCart(em, guest.id);
  if (from.length > 0) await touchCart(em, target.id, ctx.guestTtlHours);
  return true;
}

/** Merge on login: before a /carts/me* request of a signed-in caller who still sends a guest token. */
export async function mergeSentGuestCart(ctx: CartContext, caller: CartCaller): Promise<void> {
  if (caller.kind !== 'user' || !caller.guestTokenHash) return;
  const tokenHash = caller.guestTokenHash;
  // Clients keep sending the token long after the merge: one plain read settles that common case
  // without a transaction; the transaction then locks and reads again.
  if (!(await findGuestCart(ctx.orm.em.fork(), tokenHash))) return;
  await ctx.orm.em.fork().transactional((em) => mergeGuestCart(em, ctx, caller.user.sub, tokenHash));
}

/** POST /carts/me/merge: 404 when the token opens no cart (unknown, expired, or already merged). */
export async function mergeByToken(ctx: CartContext, caller: CartCaller, token: string): Promise<CartFields> {
  if (caller.kind !== 'user')
    throw problems.unauthorized("Sign in first: a guest cart merges into a customer's");
  const userId = caller.user.sub;
  const tokenHash = hashCartToken(token);
  // The same token in the header too: merged once, here, so that this request answers 200.
  if (caller.guestTokenHash !== tokenHash) await mergeSentGuestCart(ctx, caller);
  return ctx.orm.em.fork().transactional(async (em) => {
    const merged = await mergeGuestCart(em, ctx, userId, tokenHash);
    if (!merged) throw problems.notFound('No guest cart has this token (unknown, expired or already merged)');
    return ensureUserCart(em, userId);
  });
}
