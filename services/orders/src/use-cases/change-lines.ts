// Changing the lines of a PENDING order the caller may see: each change recomputes the total, bumps
// the revision and emits order.lines_changed so inventory redoes the reservation for the new revision.
import type { EntityManager, MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import type { OrderLimits } from '../domain/limits.ts';
import { MAX_LINE_QUANTITY } from '../domain/order.ts';
import { orderTotal } from '../domain/pricing.ts';
import { linesEditable } from '../domain/status.ts';
import type { Order, OrderItem } from '../persistence/entities.ts';
import { addItem, findOrderForUpdate, itemsOf, removeItem, reviseLines } from '../persistence/orders.ts';
import { pricesOf } from '../persistence/product-prices.ts';
import type { OrderChange } from './change-status.ts';
import { inTransaction, visibleOrder } from './order-access.ts';
import { assertWithinLimits, priceOrThrow } from './place-order.ts';

type LinesChange = (em: EntityManager, order: Order, items: OrderItem[]) => Promise<OrderItem[]>;

function changeLines(
  orm: MikroORM,
  change: OrderChange & { limits: OrderLimits },
  edit: LinesChange,
): Promise<{ order: Order; items: OrderItem[] }> {
  return inTransaction(orm, async (em) => {
    const order = visibleOrder(await findOrderForUpdate(em, change.orderId), change.user);
    change.ifMatch(order.version);
    if (!linesEditable(order.status)) {
      throw problems.conflict(`The lines of a ${order.status} order cannot change any more`, {
        status: order.status,
      });
    }
    const items = await edit(em, order, await itemsOf(em, order.id));
    const total = orderTotal(items);
    // The same limits as a new order: a line change cannot grow an order past them either.
    assertWithinLimits(items, total, change.limits);
    reviseLines(em, order, items, total);
    await em.flush();
    return { order, items };
  });
}

const findItem = (items: OrderItem[], itemId: string) => {
  const item = items.find((i) => i.id === itemId);
  if (!item) throw problems.notFound('No such line in this order');
  return item;
};

/** Adds a line (a product already in the order gets the quantity added). */
export function addLine(
  orm: MikroORM,
  change: OrderChange & { productId: string; quantity: number; limits: OrderLimits },
) {
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
  change: OrderChange & { itemId: string; quantity: number; limits: OrderLimits },
) {
  return changeLines(orm, change, async (_em, _order, items) => {
    findItem(items, change.itemId).quantity = change.quantity;
    return items;
  });
}

/** Not the last line: cancel the order instead (409). */
export function removeLine(orm: MikroORM, change: OrderChange & { itemId: string; limits: OrderLimits }) {
  return changeLines(orm, change, async (em, _order, items) => {
    const item = findItem(items, change.itemId);
    if (items.length === 1)
      throw problems.conflict('An order keeps at least one line; cancel the order instead');
    removeItem(em, item);
    return items.filter((i) => i !== item);
  });
}
