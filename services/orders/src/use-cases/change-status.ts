// Status changes over HTTP: an admin's move along the machine, a cancellation (owner or admin), an
// admin's deletion. Each locks the order, honours If-Match and emits the event of the change.
import type { MikroORM } from '@mercato/db';
import { isCancellable, type OrderStatus } from '../domain/status.ts';
import type { Order, OrderItem } from '../persistence/entities.ts';
import { countTransition } from '../persistence/order-metrics.ts';
import {
  emitCancelled,
  findOrderForUpdate,
  itemsOf,
  removeOrder,
  transition,
} from '../persistence/orders.ts';
import { type Caller, inTransaction, type VersionCheck, visibleOrder } from './order-access.ts';

export interface OrderChange {
  user: Caller;
  orderId: string;
  ifMatch: VersionCheck;
}

/** Admin: move the order to `status` (legal transitions only: 409 otherwise). */
export function setOrderStatus(
  orm: MikroORM,
  change: OrderChange & { status: OrderStatus },
): Promise<{ order: Order; items: OrderItem[] }> {
  return inTransaction(orm, async (em) => {
    const order = visibleOrder(await findOrderForUpdate(em, change.orderId), change.user);
    change.ifMatch(order.version);
    await transition(em, order, change.status, { cause: `admin:${change.user.sub}`, cancelReason: 'admin' });
    await em.flush();
    return { order, items: await itemsOf(em, order.id) };
  });
}

/** While PENDING or CONFIRMED → CANCELLED: reason customer, or admin for an admin on someone else's order. */
export function cancelOrder(
  orm: MikroORM,
  change: OrderChange,
): Promise<{ order: Order; items: OrderItem[] }> {
  const { user } = change;
  return inTransaction(orm, async (em) => {
    const order = visibleOrder(await findOrderForUpdate(em, change.orderId), user);
    change.ifMatch(order.version);
    const byOwner = order.userId === user.sub;
    await transition(em, order, 'CANCELLED', {
      cause: byOwner ? 'customer' : `admin:${user.sub}`,
      cancelReason: byOwner ? 'customer' : 'admin',
    });
    await em.flush();
    return { order, items: await itemsOf(em, order.id) };
  });
}

/** Admin: deletes the order; an open one is announced as cancelled first. */
export function deleteOrder(orm: MikroORM, change: OrderChange): Promise<void> {
  return inTransaction(orm, async (em) => {
    const order = visibleOrder(await findOrderForUpdate(em, change.orderId), change.user);
    change.ifMatch(order.version);
    // Inventory still holds a reservation and payments may have captured: let them undo it.
    if (isCancellable(order.status)) {
      emitCancelled(em, order, 'admin', order.status);
      // Announced as cancelled, so counted as one (the funnel's placed = confirmed + cancelled + …).
      countTransition(em, { from: order.status, to: 'CANCELLED', cancelReason: 'admin' });
    }
    removeOrder(em, order);
  });
}
