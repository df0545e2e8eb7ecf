// Reading orders: pages (a customer's own, an admin's all), one user's history, one order, its status.
import type { MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import type { OrderStatus } from '../domain/status.ts';
import type { Order, OrderItem, StatusChange } from '../persistence/entities.ts';
import { findOrder, pageOfOrders, statusHistory } from '../persistence/order-queries.ts';
import { itemsOf } from '../persistence/orders.ts';
import { type Caller, visibleOrder } from './order-access.ts';

export interface OrdersPage {
  orders: { order: Order; items: OrderItem[] }[];
  page: number;
  pageSize: number;
  total: number;
}

export async function listOrders(
  orm: MikroORM,
  user: Caller,
  query: { page?: number; pageSize?: number; status?: OrderStatus; userId?: string },
): Promise<OrdersPage> {
  const { status, userId } = query;
  const page = query.page ?? 1;
  const pageSize = query.pageSize ?? 20;
  if (user.role !== 'admin' && userId !== undefined && userId !== user.sub) {
    throw problems.forbidden('Customers can list only their own orders');
  }
  const where: { userId?: string; status?: OrderStatus } = {};
  if (user.role !== 'admin') where.userId = user.sub;
  else if (userId) where.userId = userId;
  if (status) where.status = status;
  return { ...(await pageOfOrders(orm.em.fork(), where, page, pageSize)), page, pageSize };
}

export async function orderHistory(
  orm: MikroORM,
  user: Caller,
  userId: string,
  query: { page?: number; pageSize?: number },
): Promise<OrdersPage> {
  if (user.role !== 'admin' && userId !== user.sub) {
    throw problems.forbidden('Customers can see only their own order history');
  }
  const page = query.page ?? 1;
  const pageSize = query.pageSize ?? 20;
  return { ...(await pageOfOrders(orm.em.fork(), { userId }, page, pageSize)), page, pageSize };
}

export async function getOrder(
  orm: MikroORM,
  user: Caller,
  id: string,
): Promise<{ order: Order; items: OrderItem[] }> {
  const em = orm.em.fork();
  const order = visibleOrder(await findOrder(em, id), user);
  return { order, items: await itemsOf(em, order.id) };
}

export async function getOrderStatus(
  orm: MikroORM,
  user: Caller,
  id: string,
): Promise<{ order: Order; history: StatusChange[] }> {
  const em = orm.em.fork();
  const order = visibleOrder(await findOrder(em, id), user);
  return { order, history: await statusHistory(em, order.id) };
}
