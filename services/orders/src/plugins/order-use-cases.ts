// The orders use cases bound to this app's ORM and configuration, as routes call them
// (app.orderUseCases), with the placement's Idempotency-Key records holding the first 201's body.
import type { MikroORM } from '@mercato/db';
import fp from 'fastify-plugin';
import type { AddressBook } from '../domain/address.ts';
import type { OrderLimits } from '../domain/limits.ts';
import type { OrderStatus } from '../domain/status.ts';
import { placementKeys } from '../persistence/idempotency.ts';
import type { OrderView } from '../routes/orders/schemas.ts';
import { toOrderView } from '../routes/orders/view.ts';
import { addLine, changeLineQuantity, removeLine } from '../use-cases/change-lines.ts';
import { cancelOrder, deleteOrder, type OrderChange, setOrderStatus } from '../use-cases/change-status.ts';
import type { Caller } from '../use-cases/order-access.ts';
import { type PlaceOrderRequest, type PlaceOrderResult, placeOrder } from '../use-cases/place-order.ts';
import { getOrder, getOrderStatus, listOrders, orderHistory } from '../use-cases/read-orders.ts';

export function orderUseCases(
  orm: MikroORM,
  paymentRetryWindowMs: number,
  limits: OrderLimits,
  addresses: AddressBook,
) {
  const placement = {
    orm,
    limits,
    addresses,
    keys: placementKeys<OrderView>(),
    render: (order: Parameters<typeof toOrderView>[0], items: Parameters<typeof toOrderView>[1]) =>
      toOrderView(order, items, paymentRetryWindowMs),
  };
  return {
    /** PAYMENT_RETRY_WINDOW_MS: the retry deadline shown with a declined payment. */
    paymentRetryWindowMs,
    place: (input: {
      user: Caller;
      /** the caller's Authorization header: the shipping address is read as the caller */
      authorization?: string;
      body: PlaceOrderRequest;
      idempotencyKey?: string;
    }): Promise<PlaceOrderResult<OrderView>> => placeOrder(placement, input),
    list: (user: Caller, query: Parameters<typeof listOrders>[2]) => listOrders(orm, user, query),
    history: (user: Caller, userId: string, query: { page?: number; pageSize?: number }) =>
      orderHistory(orm, user, userId, query),
    get: (user: Caller, id: string) => getOrder(orm, user, id),
    status: (user: Caller, id: string) => getOrderStatus(orm, user, id),
    setStatus: (change: OrderChange & { status: OrderStatus }) => setOrderStatus(orm, change),
    cancel: (change: OrderChange) => cancelOrder(orm, change),
    delete: (change: OrderChange) => deleteOrder(orm, change),
    addLine: (change: OrderChange & { productId: string; quantity: number }) =>
      addLine(orm, { ...change, limits }),
    changeLineQuantity: (change: OrderChange & { itemId: string; quantity: number }) =>
      changeLineQuantity(orm, { ...change, limits }),
    removeLine: (change: OrderChange & { itemId: string }) => removeLine(orm, { ...change, limits }),
  };
}
export type OrderUseCases = ReturnType<typeof orderUseCases>;

declare module 'fastify' {
  interface FastifyInstance {
    orderUseCases: OrderUseCases;
  }
}

export default fp(
  async (app, opts: { paymentRetryWindowMs: number; limits: OrderLimits }) => {
    app.decorate(
      'orderUseCases',
      orderUseCases(app.orm, opts.paymentRetryWindowMs, opts.limits, app.addressBook),
    );
  },
  { name: 'orders-use-cases', dependencies: ['orders-address-book'] },
);
