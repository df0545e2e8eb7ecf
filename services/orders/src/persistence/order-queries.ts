// Reading orders: pages, one order, its history. Only reads: the writes are in orders.ts.
import type { EntityManager } from '@mercato/db';
import type { OrderStatus } from '../domain/status.ts';
import { Order, OrderItem, StatusChange } from './entities.ts';

export function findOrder(em: EntityManager, id: string): Promise<Order | null> {
  return em.findOne(Order, { id });
}

/** A page of orders, newest first, each with its items (two queries plus the count). */
export async function pageOfOrders(
  em: EntityManager,
  where: { userId?: string; status?: OrderStatus },
  page: number,
  pageSize: number,
): Promise<{ orders: { order: Order; items: OrderItem[] }[]; total: number }> {
  const [orders, total] = await em.findAndCount(Order, where, {
    orderBy: { createdAt: 'desc', id: 'desc' },
    limit: pageSize,
    offset: (page - 1) * pageSize,
  });
  const items = orders.length
    ? await em.find(
        OrderItem,
        { orderId: { $in: orders.map((o) => o.id) } },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      )
    : [];
  const byOrder = new Map<string, OrderItem[]>();
  for (const i of items) {
    const list = byOrder.get(i.orderId);
    if (list) list.push(i);
    else byOrder.set(i.orderId, [i]);
  }
  return { orders: orders.map((order) => ({ order, items: byOrder.get(order.id) ?? [] })), total };
}

export function statusHistory(em: EntityManager, orderId: string): Promise<StatusChange[]> {
  return em.find(StatusChange, { orderId }, { orderBy: { at: 'asc', id: 'asc' } });
}
