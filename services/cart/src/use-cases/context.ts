// What every cart use case works with: the ORM, the limits and settings from the config, and the
// pricing of a cart from the read models (the one way a cart becomes a PricedCart).
import type { EntityManager, MikroORM } from '@mercato/db';
import type { ServiceClient } from '@mercato/kit';
import { IsolationLevel } from '@mikro-orm/core';
import { type CartFields, type PricedCart, priceCart } from '../domain/cart.ts';
import type { CartLimits } from '../domain/limits.ts';
import { findCartById, linesOf } from '../persistence/carts.ts';
import { productsOf, stockOf } from '../persistence/read-models.ts';

export interface CartContext {
  orm: MikroORM;
  limits: CartLimits;
  /** CART_DEFAULT_CURRENCY: an empty cart's total */
  defaultCurrency: string;
  /** GUEST_CART_TTL_HOURS */
  guestTtlHours: number;
  /** GET /products/{id} for a product the read model does not know yet */
  catalog: ServiceClient;
  /** POST /orders at checkout */
  orders: ServiceClient;
}

/**
 * The cart as it is worth now: its lines priced and flagged from the read models, and its version, all
 * of ONE snapshot. A price change commits the new price and the new version of every cart holding the
 * product together; separate statements could show the new price with the old version, and a client
 * confirming that version at checkout would be told the cart changed. Outside a transaction the reads
 * therefore run in a read-only REPEATABLE READ one (the cart row read again there); inside one (a
 * change, checkout) the caller's transaction holds the cart row, which a price change must also lock.
 */
export async function pricedCart(em: EntityManager, ctx: CartContext, cart: CartFields): Promise<PricedCart> {
  if (em.isInTransaction()) return priceFrom(em, ctx, cart);
  return em
    .fork()
    .transactional(
      async (snapshot) => priceFrom(snapshot, ctx, (await findCartById(snapshot, cart.id)) ?? cart),
      { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
    );
}

async function priceFrom(em: EntityManager, ctx: CartContext, cart: CartFields): Promise<PricedCart> {
  const lines = await linesOf(em, cart.id);
  const ids = lines.map((l) => l.productId);
  const [products, stock] = await Promise.all([productsOf(em, ids), stockOf(em, ids)]);
  return priceCart(cart, lines, products, stock, ctx.defaultCurrency);
}
