// A steady stream of orders through the gateway, for fault tests: a shop with one well-stocked
// product and a few customers, orders fired at a fixed rate without waiting for each other (so an
// outage shows up as refusals and slow answers, not as a paused client), every tenth with a card
// that the payment provider declines.
import {
  adminClient,
  type Client,
  type Customer,
  newCustomer,
  stockedProduct,
  waitForStatus,
} from './client.ts';
import type { System } from './system.ts';

export interface Shop {
  admin: Client;
  productId: string;
  customers: Customer[];
}

export const DECLINED_CARD = 'tok_chargeDeclined';
export const GOOD_CARD = 'tok_visa';

/** A product with `onHand` in stock and five customers; returns once orders can be placed for it. */
export async function openShop(system: System, onHand: number, customerCount = 5): Promise<Shop> {
  const admin = await adminClient(system.gatewayUrl);
  const { productId } = await stockedProduct(admin, { onHand, price: '3.10' });
  const customers: Customer[] = [];
  for (let i = 0; i < customerCount; i++) customers.push(await newCustomer(system.gatewayUrl));
  // Wait until the orders service knows the product (its read model is fed by events).
  const c = customers[0];
  for (let i = 0; i < 150; i++) {
    const r = await placeOrder(c, productId, GOOD_CARD);
    if (r.status === 201) {
      await waitForStatus(c.client, r.body.id, undefined, 60_000);
      break;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return { admin, productId, customers };
}

export function placeOrder(c: Customer, productId: string, card: string) {
  return c.client.post('/orders', {
    lines: [{ productId, quantity: 1 }],
    shippingAddressId: c.addressId,
    paymentMethod: { type: 'card', token: card },
  });
}

/** Every tenth order is declined, so the undo path runs under the fault too. */
export const cardFor = (i: number) => (i % 10 === 9 ? DECLINED_CARD : GOOD_CARD);

export interface SentOrder {
  /** 201 → the order's id; otherwise undefined. */
  id?: string;
  card: string;
  customer: Customer;
  /** HTTP status, or 0 when no answer came (connection refused or reset). */
  status: number;
}

export interface OrderStream {
  /** Stops sending and waits for every request in flight; returns every order sent. */
  stop(): Promise<SentOrder[]>;
}

/** Sends `perSecond` orders a second, round-robin over the shop's customers, until `stop()`. */
export function streamOrders(shop: Shop, perSecond: number): OrderStream {
  const sent: Promise<SentOrder>[] = [];
  let i = 0;
  const send = () => {
    const customer = shop.customers[i % shop.customers.length];
    const card = cardFor(i++);
    sent.push(
      placeOrder(customer, shop.productId, card).then(
        (r) => ({ id: r.status === 201 ? r.body.id : undefined, card, customer, status: r.status }),
        () => ({ card, customer, status: 0 }),
      ),
    );
  };
  const timer = setInterval(send, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      return Promise.all(sent);
    },
  };
}
