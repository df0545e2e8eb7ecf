// Changing the lines of a PENDING order the caller may see: each change recomputes the total, bumps
// the revision and emits order.lines_changed so inventory redoes the reservation for the new revision.
// An order with a shipping line keeps it only while its lines are the quoted ones: a change of them
// names a new shipping option (a quote for the new lines), checked as at placement, or is refused.
import type { ShippingCharge } from '@mercato/contracts';
import type { EntityManager, MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import type { OrderLimits } from '../domain/limits.ts';
import { MAX_LINE_QUANTITY } from '../domain/order.ts';
import { orderTotal } from '../domain/pricing.ts';
import {
  type Quote,
  type QuoteBook,
  type ShippingChoice,
  shippingChargeOf,
  totalWithShipping,
} from '../domain/shipping.ts';
import { linesEditable } from '../domain/status.ts';
import type { Order, OrderItem } from '../persistence/entities.ts';
import { addItem, findOrderForUpdate, itemsOf, removeItem, reviseLines } from '../persistence/orders.ts';
import { pricesOf } from '../persistence/product-prices.ts';
import type { OrderChange } from './change-status.ts';
import { inTransaction, visibleOrder } from './order-access.ts';
import { assertWithinLimits, priceOrThrow } from './place-order.ts';
import { assertStillQuoted, chooseShipping, readQuote } from './shipping-option.ts';

type LinesChange = (em: EntityManager, order: Order, items: OrderItem[]) => Promise<OrderItem[]>;

/** What every line change is given: the order, who asks, the limits, and where quotes are read. */
export interface LinesChangeDeps extends OrderChange {
  limits: OrderLimits;
  quotes: QuoteBook;
  /** a new shipping option for the changed lines (a quote made for them) */
  shipping?: ShippingChoice;
}

async function changeLines(
  orm: MikroORM,
  change: LinesChangeDeps,
  edit: LinesChange,
): Promise<{ order: Order; items: OrderItem[] }> {
  // Read before the order's row is locked: the lock is not held across a call to shipping.
  const quote = change.shipping ? await readQuote(change.quotes, change.shipping) : undefined;
  return inTransaction(orm, async (em) => {
    const order = visibleOrder(await findOrderForUpdate(em, change.orderId), change.user);
    change.ifMatch(order.version);
    if (!linesEditable(order.status)) {
      throw problems.conflict(`The lines of a ${order.status} order cannot change any more`, {
        status: order.status,
      });
    }
    const before = await itemsOf(em, order.id);
    // The lines as they are now: those the order's quote was made for (checked when it was chosen).
    const quoted = before.map((i) => ({ productId: i.productId, quantity: i.quantity }));
    const items = await edit(em, order, before);
    const shipping = shippingFor(
      order,
      quoted,
      items,
      change.shipping && quote && { ...change.shipping, quote },
    );
    const total = totalWithShipping(orderTotal(items), shipping?.price.amount);
    // The same limits as a new order: a line change cannot grow an order past them either.
    assertWithinLimits(items, total, change.limits);
    reviseLines(em, order, items, total, shipping);
    await em.flush();
    return { order, items };
  });
}

/**
 * The shipping line of the new revision: the new option's (checked against the new lines, the
 * order's address and currency, as at placement), or the order's own while the lines are still the
 * quoted ones (422 otherwise: a new quote is needed), or none for an order without one.
 */
function shippingFor(
  order: Order,
  quoted: readonly { productId: string; quantity: number }[],
  items: readonly OrderItem[],
  chosen: (ShippingChoice & { quote: Quote }) | undefined,
): ShippingCharge | undefined {
  const lines = items.map((i) => ({ productId: i.productId, quantity: i.quantity }));
  if (chosen)
    return chooseShipping(chosen.quote, chosen, {
      country: order.shippingAddress?.country,
      lines,
      currency: order.currency.trim(),
    });
  const current = shippingChargeOf(order);
  if (current) assertStillQuoted(current.quoteId, quoted, lines);
  return current;
}

const findItem = (items: OrderItem[], itemId: string) => {
  const item = items.find((i) => i.id === itemId);
  if (!item) throw problems.notFound('No such line in this order');
  return item;
};

/** Adds a line (a product already in the order gets the quantity added). */
export function addLine(orm: MikroORM, change: LinesChangeDeps & { productId: string; quantity: number }) {
  const { productId, quantity } = change;
  return changeLines(orm, change, async (em, order, items) => {
    const existing = items.find((i) => i.productId === productId);
    if (existing) {
      if (existing.quantity + quantity > MAX_LINE_QUANTITY) {
        throw problems.unprocessable(`A product's total quantity is at most ${MAX_LINE_QUANTITY}`);
      }
      existing.quantity += quantity;
      return items;
    }
    const [line] = priceOrThrow([{ productId, quantity }], await pricesOf(em, [productId]));
    if (line!.currency !== order.currency.trim()) {
      throw problems.unprocessable(
        `The order is in ${order.currency.trim()}; product ${productId} is priced in ${line!.currency}`,
        { kind: 'mixed_currencies', currencies: [order.currency.trim(), line!.currency] },
      );
    }
    const item = addItem(em, {
      id: uuidv7(),
      orderId: order.id,
      productId,
      productName: line!.name,
      quantity,
      unitAmount: line!.unitAmount,
      currency: line!.currency,
    });
    return [...items, item];
  });
}

export function changeLineQuantity(
  orm: MikroORM,
  change: LinesChangeDeps & { itemId: string; quantity: number },
) {
  return changeLines(orm, change, async (_em, _order, items) => {
    findItem(items, change.itemId).quantity = change.quantity;
    return items;
  });
}

/** Not the last line: cancel the order instead (409). */
export function removeLine(orm: MikroORM, change: LinesChangeDeps & { itemId: string }) {
  return changeLines(orm, change, async (em, _order, items) => {
    const item = findItem(items, change.itemId);
    if (items.length === 1)
      throw problems.conflict('An order keeps at least one line; cancel the order instead');
    removeItem(em, item);
    return items.filter((i) => i !== item);
  });
}
