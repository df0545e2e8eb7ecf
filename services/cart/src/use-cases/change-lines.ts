// Changing a cart's lines. Each change is one transaction that locks the cart row first (concurrent
// edits, merges and checkouts of one cart take turns), checks If-Match against the locked version,
// and bumps the version (a guest cart also lives another TTL).
import type { ProductSnapshot } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { HttpProblem, problems } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import type { CartFields, KnownProduct, PricedCart } from '../domain/cart.ts';
import { addViolation, type CartLimitViolation, describeViolation } from '../domain/limits.ts';
import {
  cartOf,
  deleteLines,
  insertLine,
  linesOf,
  setLineQuantity,
  touchCart,
} from '../persistence/carts.ts';
import { productsOf, recordProduct } from '../persistence/read-models.ts';
import { type CartCaller, ownerOf } from './access.ts';
import { type CartContext, pricedCart } from './context.ts';
import { mergeSentGuestCart } from './merge-carts.ts';

export interface CartChange {
  caller: CartCaller;
  /** 412 when the client's If-Match names another version */
  ifMatch(version: number): void;
}

const LIMIT_PROBLEMS: Record<CartLimitViolation['kind'], { slug: string; title: string }> = {
  too_many_lines: { slug: 'cart-too-many-lines', title: 'Too many lines in the cart' },
  quantity_too_large: { slug: 'cart-line-quantity-too-large', title: 'Too many units on one line' },
};

function limitProblem(violation: CartLimitViolation): HttpProblem {
  const { kind, ...extensions } = violation;
  return new HttpProblem({
    status: 422,
    ...LIMIT_PROBLEMS[kind],
    detail: describeViolation(violation),
    extensions,
  });
}

/** The caller's cart, locked for the change (a guest cart swept or merged meanwhile: 401 as at the door). */
async function lockedCart(em: EntityManager, change: CartChange): Promise<CartFields> {
  const cart = await cartOf(em, ownerOf(change.caller), true);
  if (!cart) throw problems.unauthorized('The cart token is unknown or has expired');
  change.ifMatch(cart.version);
  return cart;
}

/**
 * The product as the read model knows it; one it does not know yet (created a moment ago, its event
 * still on the way) is asked of catalog and kept. Unknown to catalog: 422; catalog away: 503.
 */
async function productToAdd(ctx: CartContext, productId: string): Promise<KnownProduct> {
  const known = (await productsOf(ctx.orm.em.fork(), [productId])).get(productId);
  if (known) return known;
  const res = await ctx.catalog.request<{
    id: string;
    name: string;
    price: { amount: string; currency: string };
    active: boolean;
    version: number;
  }>({ method: 'GET', path: `/products/${productId}` });
  if (res.status === 404)
    throw new HttpProblem({
      status: 422,
      slug: 'unknown-product',
      title: 'Unknown product',
      detail: `No product ${productId} exists`,
      extensions: { field: 'productId', productId },
    });
  if (res.status !== 200) throw catalogAway(res.status);
  const snapshot: ProductSnapshot = {
    productId,
    name: res.body.name,
    price: res.body.price,
    active: res.body.active,
    version: res.body.version,
  };
  await ctx.orm.em.fork().transactional((em) => recordProduct(em, snapshot));
  const stored = (await productsOf(ctx.orm.em.fork(), [productId])).get(productId);
  if (!stored) throw catalogAway(res.status);
  return stored;
}

const catalogAway = (status: number) =>
  new HttpProblem({
    status: 503,
    slug: 'upstream-unavailable',
    title: 'A service this request needs is unavailable',
    detail: `The catalog service answered ${status}; nothing was changed here, try again shortly`,
    extensions: { service: 'catalog', retryAfter: 5 },
    headers: { 'retry-after': '5' },
  });

export interface AddedLine {
  cart: PricedCart;
  itemId: string;
  /** a new line (201), or more of a product already in the cart (200) */
  created: boolean;
}

export async function addItem(
  ctx: CartContext,
  change: CartChange,
  item: { productId: string; quantity: number },
): Promise<AddedLine> {
  await mergeSentGuestCart(ctx, change.caller);
  const product = await productToAdd(ctx, item.productId);
  if (product.deleted || !product.active)
    throw new HttpProblem({
      status: 422,
      slug: 'product-inactive',
      title: 'Product not for sale',
      detail: `Product ${item.productId} is not for sale`,
      extensions: { field: 'productId', productId: item.productId },
    });
  return ctx.orm.em.fork().transactional(async (em) => {
    const cart = await lockedCart(em, change);
    const before = await pricedCart(em, ctx, cart);
    const held = before.lines.find((l) => l.productId === item.productId);
    const violation = addViolation(
      ctx.limits,
      before.lines.length,
      item.productId,
      held?.quantity,
      item.quantity,
    );
    if (violation) throw limitProblem(violation);
    // One currency per cart: the first line's.
    if (before.lines.length > 0 && product.currency !== before.total.currency)
      throw new HttpProblem({
        status: 422,
        slug: 'cart-currency-mismatch',
        title: 'Another currency than the cart',
        detail: `This cart is in ${before.total.currency}; product ${item.productId} is priced in ${product.currency}`,
        extensions: { field: 'productId', productId: item.productId, cartCurrency: before.total.currency },
      });
    let itemId: string;
    if (held) {
      itemId = held.id;
      await setLineQuantity(em, held.id, held.quantity + item.quantity);
    } else {
      itemId = uuidv7();
      await insertLine(em, cart.id, {
        id: itemId,
        productId: item.productId,
        name: product.name,
        quantity: item.quantity,
        addedAmount: product.amount,
        addedCurrency: product.currency,
        addedAt: new Date(),
      });
    }
    const after = await touchCart(em, cart.id, ctx.guestTtlHours);
    return { cart: await pricedCart(em, ctx, after), itemId, created: !held };
  });
}

export async function changeQuantity(
  ctx: CartContext,
  change: CartChange,
  itemId: string,
  quantity: number,
): Promise<PricedCart> {
  await mergeSentGuestCart(ctx, change.caller);
  return ctx.orm.em.fork().transactional(async (em) => {
    const cart = await lockedCart(em, change);
    const line = (await linesOf(em, cart.id)).find((l) => l.id === itemId);
    if (!line) throw problems.notFound('No such line in your cart');
    if (quantity > ctx.limits.maxLineQuantity)
      throw limitProblem({
        kind: 'quantity_too_large',
        productId: line.productId,
        quantity,
        maxQuantity: ctx.limits.maxLineQuantity,
      });
    if (quantity !== line.quantity) await setLineQuantity(em, itemId, quantity);
    return pricedCart(em, ctx, await touchCart(em, cart.id, ctx.guestTtlHours));
  });
}

export async function removeItem(ctx: CartContext, change: CartChange, itemId: string): Promise<void> {
  await mergeSentGuestCart(ctx, change.caller);
  await ctx.orm.em.fork().transactional(async (em) => {
    const cart = await lockedCart(em, change);
    const removed = await deleteLines(em, cart.id, [itemId]);
    if (removed === 0) throw problems.notFound('No such line in your cart');
    await touchCart(em, cart.id, ctx.guestTtlHours);
  });
}

export async function emptyCart(ctx: CartContext, change: CartChange): Promise<void> {
  await mergeSentGuestCart(ctx, change.caller);
  await ctx.orm.em.fork().transactional(async (em) => {
    const cart = await lockedCart(em, change);
    await deleteLines(em, cart.id);
    await touchCart(em, cart.id, ctx.guestTtlHours);
  });
}
