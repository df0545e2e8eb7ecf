// Placing an order, the hot path: ONE statement reads the Idempotency-Key's record, the prices and the
// shipping address (orders' event-fed copy of identity's; identity's API as the caller on a miss),
// the order is priced from the local read model, then ONE statement writes the order with its address
// snapshot, its items, the first history entry, order.placed and the key's record.
// A request naming a shipping option also reads its quote from shipping (in parallel with identity);
// one without asks nothing more and writes nothing more.
import type { MikroORM } from '@mercato/db';
import { fingerprint, type Idempotency, idempotentRequest, type StoredResponse } from '@mercato/idempotency';
import { HttpProblem, problems } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import { type AddressBook, type ShippingAddress, usableAddress } from '../domain/address.ts';
import { linesEvent } from '../domain/events.ts';
import {
  describeLimitViolation,
  type LimitViolation,
  type OrderLimits,
  orderLimitViolation,
} from '../domain/limits.ts';
import { type ItemFields, MAX_LINE_QUANTITY, type OrderFields } from '../domain/order.ts';
import {
  changedPrices,
  describePricingError,
  type ExpectedPrice,
  type KnownPrice,
  mergeLines,
  orderTotal,
  type PriceChange,
  priceLines,
  type RequestedLine,
} from '../domain/pricing.ts';
import {
  type QuoteBook,
  type ShippingChoice,
  shippingColumns,
  totalWithShipping,
} from '../domain/shipping.ts';
import { insertPlacement } from '../persistence/orders.ts';
import { placementReads } from '../persistence/placement-reads.ts';
import type { Caller } from './order-access.ts';
import { chooseShipping, readQuote } from './shipping-option.ts';

export interface PlaceOrderRequest {
  lines: readonly (RequestedLine & ExpectedPrice)[];
  shippingAddressId: string;
  paymentMethod: { type: 'card'; token: string };
  /** the shipping option chosen from a quote of the shipping service; its price joins the total */
  shipping?: ShippingChoice;
}

export interface PlaceOrderDeps<V> {
  orm: MikroORM;
  /** the Idempotency-Key records, holding the first 201 */
  keys: Idempotency<StoredResponse<V>>;
  /** the 201's body, stored with the key */
  render(order: OrderFields, items: readonly ItemFields[]): V;
  limits: OrderLimits;
  /** where the shipping address is checked and read */
  addresses: AddressBook;
  /** where the quote of a shipping option is read */
  quotes: QuoteBook;
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

/** 409: the client priced a line at what the customer saw, and the price is another now. */
export function priceChanged(lines: PriceChange[]): HttpProblem {
  return new HttpProblem({
    status: 409,
    slug: 'price-changed',
    title: 'A price changed',
    detail: `The price of ${lines.map((l) => `${l.productId} is ${l.current.amount} ${l.current.currency}, not ${l.expected.amount} ${l.expected.currency}`).join('; ')}: show the customer the new price and place the order again`,
    extensions: { lines },
  });
}

/** 422 naming the field: the same answer for an unknown address and another customer's (no leak). */
export function unknownShippingAddress(): HttpProblem {
  return new HttpProblem({
    status: 422,
    slug: 'unknown-shipping-address',
    title: 'Unknown shipping address',
    detail: 'shippingAddressId is not one of your addresses',
    extensions: { errors: [{ path: 'body/shippingAddressId', message: 'is not one of your addresses' }] },
  });
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
  input: { user: Caller; authorization?: string; body: PlaceOrderRequest; idempotencyKey?: string },
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
  // ONE statement reads the prices, the copied address and the key's record. identity is asked only
  // after a replay is ruled out, so a replay never depends on it.
  const reads = await placementReads(
    em,
    lines.map((l) => l.productId),
    body.shippingAddressId,
    keyed && { table: deps.keys.qualified(em), userId: keyed.userId, key: keyed.key },
  );
  const previous = keyed && deps.keys.answerOf(keyed, reads.key);
  if (previous) return { ...previous, replayed: true };
  const { prices, address } = reads;
  // The quote is asked for now (a replay never asks) and awaited after the address, so that on a copy
  // miss identity and shipping answer at once. The no-op catch keeps a failure of it from being an
  // unhandled rejection should the address be refused first; awaiting it still throws.
  const quoteRead = body.shipping ? readQuote(deps.quotes, body.shipping) : undefined;
  quoteRead?.catch(() => {});
  // A tombstone is an unknown address, without asking identity: it was deleted there. A miss (an
  // address newer than its event here) is read from identity as the caller.
  const found =
    address === 'deleted'
      ? undefined
      : (address ??
        (await deps.addresses.find(
          { sub: user.sub, authorization: input.authorization },
          body.shippingAddressId,
        )));
  const shippingAddress: ShippingAddress | undefined = usableAddress(found, user.sub);
  if (!shippingAddress) throw unknownShippingAddress();
  const priced = priceOrThrow(lines, prices);
  const changed = changedPrices(body.lines, prices);
  if (changed.length > 0) throw priceChanged(changed);
  const currency = priced[0]!.currency;
  const shipping =
    body.shipping && quoteRead
      ? chooseShipping(await quoteRead, body.shipping, {
          country: shippingAddress.country,
          lines,
          currency,
        })
      : undefined;
  // The limits apply to what is charged: the lines and the shipping price.
  const totalAmount = totalWithShipping(orderTotal(priced), shipping?.price.amount);
  assertWithinLimits(priced, totalAmount, deps.limits);

  const now = new Date();
  const order: OrderFields = {
    id: uuidv7(),
    userId: user.sub,
    status: 'PENDING',
    revision: 1,
    totalAmount,
    currency,
    shippingAddressId: body.shippingAddressId,
    shippingAddress,
    ...shippingColumns(shipping),
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
