// Checkout: the customer's cart becomes an order through the orders API, and the ordered lines leave
// the cart. One transaction holds the cart row lock around the call to orders, so a second checkout
// of the same cart (a double click, another tab) waits and then finds the lines already gone: never
// two orders. The lock is held at most (ORDERS_RETRIES + 1) × ORDERS_TIMEOUT_MS.
//
// Idempotency: the checkout's own Idempotency-Key record (stored with the line removal, in the same
// transaction) replays the first 201. Orders gets a key derived from it (`checkout:<key>`; orders'
// keys are per user too), so a crash after orders placed the order but before the cart committed is
// healed by the client's retry: orders replays the same order and the cart then empties and records it.
//
// Price: each line goes to orders with the unit price this cart showed; orders prices from its own
// read model of catalog and answers 409 price-changed where the two differ (one learned of a change
// before the other), so an order is never placed at a price the customer did not see.

import type { Idempotency } from '@mercato/idempotency';
import { fingerprint, idempotentRequest, type StoredResponse } from '@mercato/idempotency';
import { type AuthUser, HttpProblem, PROBLEM_BASE, problems } from '@mercato/kit';
import { linesNeedingAttention, type Money, type PricedCart, type PricedLine } from '../domain/cart.ts';
import { deleteLines, ensureUserCart, touchCart } from '../persistence/carts.ts';
import type { CartCaller } from './access.ts';
import { type CartContext, pricedCart } from './context.ts';
import { mergeSentGuestCart } from './merge-carts.ts';

export interface CheckoutRequest {
  shippingAddressId: string;
  paymentMethod: { type: 'card'; token: string };
  /** the cart version the client saw: confirms the prices it was shown (price_changed lines) */
  cartVersion?: number;
  /** the shipping option chosen from a quote; orders checks it against the lines and charges it */
  shipping?: { quoteId: string; level: 'standard' | 'express' };
}

export interface CheckoutBody<C> {
  order: { id: string; status: string; total: Money } & Record<string, unknown>;
  cart: C;
}

export interface CheckoutDeps<C> {
  keys: Idempotency<StoredResponse<CheckoutBody<C>>>;
  /** the cart as the 201 shows it (stored with the key) */
  render(cart: PricedCart): C;
}

export interface CheckoutResult<C> {
  statusCode: number;
  body: CheckoutBody<C>;
  replayed: boolean;
}

/** Statuses of orders' answer passed through to the client as they are (declared on the route). */
export const PASSED_THROUGH = new Set([400, 401, 403, 404, 409, 422, 429]);

/** orders' key for this checkout (orders allows 200 characters; the checkout key is at most 191). */
export const ordersKey = (key: string) => `checkout:${key}`;

export async function checkout<C>(
  ctx: CartContext,
  deps: CheckoutDeps<C>,
  input: { caller: CartCaller; authorization: string; idempotencyKey: string; body: CheckoutRequest },
): Promise<CheckoutResult<C>> {
  if (input.caller.kind !== 'user') throw problems.unauthorized('Sign in to check out');
  const user: AuthUser = input.caller.user;
  const keyed = idempotentRequest(user.sub, input.idempotencyKey, () => fingerprint(input.body))!;
  const previous = await deps.keys.lookup(ctx.orm.em.fork(), keyed);
  if (previous) return { ...previous, replayed: true };
  await mergeSentGuestCart(ctx, input.caller);

  const outside = ctx.orm.em.fork();
  try {
    return await outside.transactional(async (em) => {
      const cart = await ensureUserCart(em, user.sub, true);
      // A checkout with the same key that held the lock before us has answered meanwhile.
      const answered = await deps.keys.lookup(em, keyed);
      if (answered) return { ...answered, replayed: true };
      const priced = await pricedCart(em, ctx, cart);
      if (priced.lines.length === 0)
        throw new HttpProblem({
          status: 422,
          slug: 'cart-empty',
          title: 'The cart is empty',
          detail: 'Add something to the cart first',
        });
      const { cartVersion } = input.body;
      if (cartVersion !== undefined && cartVersion !== cart.version)
        throw new HttpProblem({
          status: 409,
          slug: 'cart-version-mismatch',
          title: 'The cart changed',
          detail: `The cart is at version ${cart.version}, not ${cartVersion}: read it again and confirm what it shows`,
          extensions: {
            cartVersion: cart.version,
            lines: attentionList(linesNeedingAttention(priced, false)),
          },
        });
      const attention = linesNeedingAttention(priced, cartVersion === cart.version);
      if (attention.length > 0)
        throw new HttpProblem({
          status: 409,
          slug: 'cart-needs-attention',
          title: 'Some lines need attention',
          detail:
            'Lines are inactive, short of stock, in another currency or changed price: remove or change them, ' +
            'or confirm changed prices by sending cartVersion',
          extensions: {
            cartVersion: cart.version,
            lines: attentionList(attention),
          },
        });

      const res = await ctx.orders.request<CheckoutBody<C>['order']>({
        method: 'POST',
        path: '/orders',
        authorization: input.authorization,
        idempotencyKey: ordersKey(input.idempotencyKey),
        body: {
          // The prices the customer was shown: orders refuses (409 price-changed, passed through)
          // rather than charge another one when its own copy of the prices says otherwise.
          lines: priced.lines.map((l) => ({
            productId: l.productId,
            quantity: l.quantity,
            unitPrice: l.unitPrice,
          })),
          shippingAddressId: input.body.shippingAddressId,
          paymentMethod: input.body.paymentMethod,
          // Orders reads the quote and refuses one made for other lines (422, passed through).
          ...(input.body.shipping ? { shipping: input.body.shipping } : {}),
        },
      });
      if (res.status !== 201 && res.status !== 200) throw ordersRefused(res.status, res.body);

      await deleteLines(
        em,
        cart.id,
        priced.lines.map((l) => l.id),
      );
      const after = await pricedCart(em, ctx, await touchCart(em, cart.id, ctx.guestTtlHours));
      const answer = { statusCode: 201, body: { order: res.body, cart: deps.render(after) } };
      await deps.keys.insert(em, keyed, answer);
      return { ...answer, replayed: false };
    });
  } catch (err) {
    // Two requests with one key cannot both get here (the lock and the second lookup), but the
    // library's race answer costs nothing.
    const winner = await deps.keys.raceWinner(ctx.orm.em.fork(), keyed, err);
    if (!winner) throw err;
    return { ...winner, replayed: true };
  }
}

const attentionList = (lines: readonly PricedLine[]) =>
  lines.map((l) => ({ itemId: l.id, productId: l.productId, flags: l.flags }));

/** Orders said no: its 4xx passes through (type unchanged); anything else is 503, nothing done here. */
function ordersRefused(status: number, body: unknown): HttpProblem {
  const problem = (body ?? {}) as Record<string, unknown>;
  if (PASSED_THROUGH.has(status) && typeof problem.type === 'string') {
    const { type, title, status: _s, detail, instance: _i, requestId: _r, ...extensions } = problem;
    const slug = type.startsWith(PROBLEM_BASE) ? type.slice(PROBLEM_BASE.length) : 'upstream-problem';
    return new HttpProblem({
      status,
      slug,
      title: typeof title === 'string' ? title : 'Order refused',
      detail: typeof detail === 'string' ? detail : `The orders service answered ${status}`,
      extensions,
    });
  }
  return new HttpProblem({
    status: 503,
    slug: 'upstream-unavailable',
    title: 'A service this request needs is unavailable',
    detail: `The orders service answered ${status}; the cart was not changed, try again shortly`,
    extensions: { service: 'orders', retryAfter: 5 },
    headers: { 'retry-after': '5' },
  });
}
