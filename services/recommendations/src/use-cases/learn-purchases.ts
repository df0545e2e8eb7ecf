// Purchases as the consumers learn them, each in the consumer's transaction (with the inbox row): an
// order confirmed adds its basket once, a cancellation takes back what it added, a return takes back
// the products returned in full. Redelivered or repeated events change nothing (the inbox, and the
// purchase / applied_return rows keyed by order and return).
import type { OrderCancelled, OrderConfirmed, ReturnReceived } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { decayWeight, weightText } from '../domain/decay.ts';
import { distinctProducts } from '../domain/similarity.ts';
import {
  addReturned,
  claimReturn,
  insertCancelled,
  insertConfirmed,
  lockOrder,
  markCancelled,
  orderItems,
} from '../persistence/purchases.ts';
import { learnBasket, unlearnBasket } from '../persistence/statistics.ts';
import type { ModelSettings } from './context.ts';

export type Outcome = 'learnt' | 'ignored';

export async function learnConfirmedOrder(
  em: EntityManager,
  settings: ModelSettings,
  data: OrderConfirmed,
  occurredAt: Date,
): Promise<Outcome> {
  const items = new Map<string, number>();
  for (const l of data.lines) items.set(l.productId, (items.get(l.productId) ?? 0) + l.quantity);
  if (items.size === 0) return 'ignored';
  const weight = weightText(decayWeight(occurredAt.getTime(), settings.halfLives.coPurchaseDays));
  const popularWeight = weightText(decayWeight(occurredAt.getTime(), settings.halfLives.popularDays));
  const fresh = await insertConfirmed(em, {
    orderId: data.orderId,
    userId: data.userId,
    at: occurredAt,
    weight,
    popularWeight,
    items,
  });
  if (!fresh) return 'ignored';
  await learnBasket(em, distinctProducts([...items.keys()]), weight, popularWeight);
  return 'learnt';
}

export async function unlearnCancelledOrder(em: EntityManager, data: OrderCancelled): Promise<Outcome> {
  // Cancelled while PENDING: it was never confirmed and never will be (orders is the authority).
  if (data.previousStatus === 'PENDING') return 'ignored';
  // Unknown yet: the confirmation is late. A tombstone makes it be ignored when it comes.
  if (await insertCancelled(em, data.orderId, data.userId)) return 'ignored';
  const order = await lockOrder(em, data.orderId);
  if (!order || order.state === 'cancelled') return 'ignored';
  await markCancelled(em, data.orderId);
  const basket = (await orderItems(em, data.orderId))
    .filter((i) => i.returned < i.quantity)
    .map((i) => i.productId);
  await unlearnBasket(em, basket, basket, order.weight, order.popularWeight);
  return 'learnt';
}

export async function unlearnReturnedLines(em: EntityManager, data: ReturnReceived): Promise<Outcome> {
  if (!(await claimReturn(em, data.returnId))) return 'ignored';
  const order = await lockOrder(em, data.orderId);
  if (order?.state !== 'confirmed') return 'ignored';
  const items = await orderItems(em, data.orderId);
  const returned = new Map<string, number>();
  for (const l of data.lines) returned.set(l.productId, (returned.get(l.productId) ?? 0) + l.quantity);
  const basket = items.filter((i) => i.returned < i.quantity);
  const removed = basket
    .filter((i) => i.returned + (returned.get(i.productId) ?? 0) >= i.quantity)
    .map((i) => i.productId);
  await addReturned(em, data.orderId, returned);
  await unlearnBasket(
    em,
    basket.map((i) => i.productId),
    removed,
    order.weight,
    order.popularWeight,
  );
  return removed.length > 0 ? 'learnt' : 'ignored';
}
