// The orders use cases bound to this app's ORM and configuration, as routes call them
// (app.orderUseCases), with the placement's Idempotency-Key records holding the first 201's body.
// An answer stored before orders had shipping lines lacks `subtotal` and `shipping`: a replay of it
// gets them (it had no shipping line), so every 201 has the view's shape.
import type { MikroORM } from '@mercato/db';
import fp from 'fastify-plugin';
import type { AddressBook } from '../domain/address.ts';
import type { OrderLimits } from '../domain/limits.ts';
import type { QuoteBook, ShippingChoice } from '../domain/shipping.ts';
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
  quotes: QuoteBook,
) {
  const placement = {
    orm,
    limits,
    addresses,
    quotes,
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
    }): Promise<PlaceOrderResult<OrderView>> =>
      placeOrder(placement, input).then((placed) =>
        placed.replayed ? { ...placed, body: withShippingFields(placed.body) } : placed,
      ),
    list: (user: Caller, query: Parameters<typeof listOrders>[2]) => listOrders(orm, user, query),
    history: (user: Caller, userId: string, query: { page?: number; pageSize?: number }) =>
      orderHistory(orm, user, userId, query),
    get: (user: Caller, id: string) => getOrder(orm, user, id),
    status: (user: Caller, id: string) => getOrderStatus(orm, user, id),
    setStatus: (change: OrderChange & { status: OrderStatus }) => setOrderStatus(orm, change),
    cancel: (change: OrderChange) => cancelOrder(orm, change),
    delete: (change: OrderChange) => deleteOrder(orm, change),
    addLine: (change: LineChange & { productId: string; quantity: number }) =>
      addLine(orm, { ...change, limits, quotes }),
    changeLineQuantity: (change: LineChange & { itemId: string; quantity: number }) =>
      changeLineQuantity(orm, { ...change, limits, quotes }),
    removeLine: (change: LineChange & { itemId: string }) => removeLine(orm, { ...change, limits, quotes }),
  };
}

/** A line change as a route asks for it: optionally with a new shipping option. */
type LineChange = OrderChange & { shipping?: ShippingChoice };

/** A stored 201 from before shipping lines: no shipping line, so the subtotal is the total. */
function withShippingFields(body: OrderView): OrderView {
  const old = body as Partial<OrderView> & OrderView;
  return { ...body, subtotal: old.subtotal ?? body.total, shipping: old.shipping ?? null };
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
      orderUseCases(app.orm, opts.paymentRetryWindowMs, opts.limits, app.addressBook, app.shippingQuotes),
    );
  },
  { name: 'orders-use-cases', dependencies: ['orders-address-book', 'orders-shipping-quotes'] },
);
