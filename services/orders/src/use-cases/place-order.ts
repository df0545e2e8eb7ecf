// Placing an order, the hot path: the Idempotency-Key lookup and the prices in one round trip, the
// order priced from the local read model, then ONE statement writes the order, its items, the first
// history entry, order.placed and the key's record.
import type { MikroORM } from '@mercato/db';
import { fingerprint, type Idempotency, idempotentRequest, type StoredResponse } from '@mercato/idempotency';
import { HttpProblem, problems } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import { linesEvent } from '../domain/events.ts';
import {
  describeLimitViolation,
  type LimitViolation,
  type OrderLimits,
  orderLimitViolation,
} from '../domain/limits.ts';
import { type ItemFields, MAX_LINE_QUANTITY, type OrderFields } from '../domain/order.ts';
import {
  describePricingError,
  type KnownPrice,
  mergeLines,
  orderTotal,
  priceLines,
  type RequestedLine,
} from '../domain/pricing.ts';
import { insertPlacement } from '../persistence/orders.ts';
import { pricesOf } from '../persistence/product-prices.ts';
import type { Caller } from './order-access.ts';

export interface PlaceOrderRequest {
  lines: readonly RequestedLine[];
  shippingAddressId: string;
  paymentMethod: { type: 'card'; token: string };
}

export interface PlaceOrderDeps<V> {
  orm: MikroORM;
  /** the Idempotency-Key records, holding the first 201 */
  keys: Idempotency<StoredResponse<V>>;
  /** the 201's body, stored with the key */
  render(order: OrderFields, items: readonly ItemFields[]): V;
  limits: OrderLimits;
}

export interface PlaceOrderResult<V> {
  statusCode: number;
  body: V;
  /** the first answer to this Idempotency-Key, again */
  replayed: boolean;
}

/**
 * What makes two POST /orders "the same request" for an Idempotency-Key: the body, canonicalised
 * (key order does not matter, line order does not either: the order it creates is the same).
 */
export function placementFingerprint(body: object): string {
  return fingerprint(body, { unordered: ['lines'] });
}

export function priceOrThrow(lines: readonly RequestedLine[], prices: Map<string, KnownPrice>) {
  const priced = priceLines(lines, prices);
  if (!priced.ok) throw problems.unprocessable(describePricingError(priced.error), { ...priced.error });
  return priced.lines;
}

/** Problem types (stable: clients switch on them) of an order over its limits, all 422. */
const LIMIT_PROBLEMS: Record<LimitViolation['kind'], { slug: string; title: string }> = {
  too_many_units: { slug: 'order-too-many-units', title: 'Too many units in one order' },
  total_too_large: { slug: 'order-total-too-large', title: 'Order total too large' },
  zero_total: { slug: 'order-total-zero', title: 'Order total is zero' },
};

/** 422 when the lines break a limit of domain/limits.ts (units, total ceiling, zero total). */
export function assertWithinLimits(
  lines: readonly { quantity: number }[],
  total: string,
  limits: OrderLimits,
): void {
  const violation = orderLimitViolation(lines, total, limits);
  if (!violation) return;
  const { kind, ...extensions } = violation;
  throw new HttpProblem({
    status: 422,
    ...LIMIT_PROBLEMS[kind],
    detail: describeLimitViolation(violation),
    extensions,
  });
}

export async function placeOrder<V>(
  deps: PlaceOrderDeps<V>,
  input: { user: Caller; body: PlaceOrderRequest; idempotencyKey?: string },
): Promise<PlaceOrderResult<V>> {
  const { user, body } = input;
  // Only a request with a key is compared with another one (a hash of the whole body).
  const keyed = idempotentRequest(user.sub, input.idempotencyKey, () => placementFingerprint(body));
  const lines = mergeLines(body.lines);
  if (lines.some((l) => l.quantity > MAX_LINE_QUANTITY)) {
    throw problems.unprocessable(`A product's total quantity is at most ${MAX_LINE_QUANTITY}`);
  }
  // Before any read: the unit cap needs no price.
  assertWithinLimits(lines, '1', deps.limits);
  const em = deps.orm.em.fork();
  // Both reads at once, on two connections: the hot path waits for one round trip, not two.
  const [previous, prices] = await Promise.all([
    keyed ? deps.keys.lookup(em, keyed) : undefined,
    pricesOf(
      em,
      lines.map((l) => l.productId),
    ),
  ]);
  if (previous) return { ...previous, replayed: true };
  const priced = priceOrThrow(lines, prices);
  const totalAmount = orderTotal(priced);
  assertWithinLimits(priced, totalAmount, deps.limits);

  const now = new Date();
  const order: OrderFields = {
    id: uuidv7(),
    userId: user.sub,
    status: 'PENDING',
    revision: 1,
    totalAmount,
    currency: priced[0]!.currency,
    shippingAddressId: body.shippingAddressId,
    paymentMethod: body.paymentMethod,
    cancelReason: null,
    paymentFailedAt: null,
    paymentFailureReason: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const items: ItemFields[] = priced.map((l) => ({
    id: uuidv7(),
    productId: l.productId,
    productName: l.name,
    quantity: l.quantity,
    unitAmount: l.unitAmount,
    currency: l.currency,
  }));
  const response = { statusCode: 201, body: deps.render(order, items) };
  try {
    await insertPlacement(em, {
      order,
      items,
      historyId: uuidv7(),
      event: linesEvent('order.placed', order, items),
      ...(keyed ? { idempotency: { keys: deps.keys, request: keyed, response } } : {}),
    });
  } catch (err) {
    // A concurrent request with the same key won the race: answer with its result.
    const winner = keyed && (await deps.keys.raceWinner(em, keyed, err));
    if (!winner) throw err;
    return { ...winner, replayed: true };
  }
  return { ...response, replayed: false };
}
