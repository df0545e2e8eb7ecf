// An invoices app (or several replicas of it) on an isolated schema and a unique exchange, a publisher
// for the events it consumes, and a tap on the exchange that collects every event it emits.
import type { OrderPlaced, PaymentSucceeded, ReturnReceived, ShippingCharge } from '@mercato/contracts';
import { sumAmounts } from '@mercato/contracts';
import { loadConfig } from '@mercato/kit';
import { type Envelope, envelope } from '@mercato/messaging';
import {
  deleteConsumerTopology,
  isolatedSchema,
  publishEvents,
  querySchema,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  tapExchange,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import { uuidv7 } from 'uuidv7';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

const RETRY_DELAYS = '200,400';
const CONSUMERS = ['invoices.order-view', 'invoices.issue', 'invoices.credit-note', 'invoices.erasure'];

interface Tap {
  teardown(fn: () => unknown): void;
}

export async function startInvoices(t: Tap, env: Record<string, string> = {}, replicas = 1) {
  const schema = await isolatedSchema(t, 't_inv');
  const exchange = uniqueName('t_inv');
  const auth = await testAuth();
  const config = loadConfig(configSchema, {
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://identity.test/jwks',
    CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS,
    ...env,
  });
  const events = await tapExchange(exchange);
  const apps: Awaited<ReturnType<typeof buildApp>>[] = [];
  for (let i = 0; i < replicas; i++) apps.push(await buildApp(config, { jwks: auth.jwks }));
  const app = apps[0]!;
  t.teardown(async () => {
    for (const a of apps) await a.close();
    await events.close();
    await deleteConsumerTopology(exchange, CONSUMERS, RETRY_DELAYS.split(',').map(Number));
  });

  const token = (sub: string, role: 'customer' | 'admin' = 'customer') => auth.sign({ sub, role });
  const publish = (event: Envelope) => publishEvents(exchange, [event]);
  const event = <T>(type: string, data: T, correlationId?: string) =>
    envelope(type, data, { source: 'test', correlationId });
  const query = (sql: string, params: unknown[] = []) => querySchema(schema, sql, params);
  return { app, apps, config, schema, exchange, token, publish, event, events, query };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An order.placed payload for `userId` with two lines (2 × 10.25 + 1 × 4.50 = 25.00 EUR); with
 * `shipping`, its shipping line too (the total then includes its price).
 */
export function orderPlaced(
  userId: string,
  opts: { revision?: number; withAddress?: boolean; shipping?: ShippingCharge } = {},
) {
  const orderId = uuidv7();
  return {
    orderId,
    userId,
    revision: opts.revision ?? 1,
    lines: [
      {
        itemId: uuidv7(),
        productId: uuidv7(),
        productName: 'The Hobbit',
        quantity: 2,
        unitPrice: { amount: '10.25', currency: 'EUR' },
      },
      // Without a name, as in events from before order lines carried one.
      { itemId: uuidv7(), productId: uuidv7(), quantity: 1, unitPrice: { amount: '4.50', currency: 'EUR' } },
    ],
    total: {
      amount: opts.shipping ? sumAmounts(['25.00', opts.shipping.price.amount]) : '25.00',
      currency: 'EUR',
    },
    ...(opts.shipping ? { shipping: opts.shipping } : {}),
    paymentMethod: { type: 'card' as const, token: 'tok_visa' },
    shippingAddressId: uuidv7(),
    ...(opts.withAddress === false
      ? {}
      : {
          shippingAddress: {
            name: 'Ada Lovelace',
            street: '1 Analytical St',
            city: 'London',
            postalCode: 'N1',
            country: 'GB',
          },
        }),
  } satisfies OrderPlaced;
}

export function paymentSucceeded(
  order: { orderId: string; userId: string; revision: number },
  amount = '25.00',
) {
  return {
    paymentId: uuidv7(),
    orderId: order.orderId,
    userId: order.userId,
    revision: order.revision,
    amount: { amount, currency: 'EUR' },
    providerRef: `ch_${order.orderId}`,
  } satisfies PaymentSucceeded;
}

/** An express shipping line of `price` EUR, as order.placed carries it. */
export function expressShipping(price = '12.90'): ShippingCharge {
  return { quoteId: uuidv7(), level: 'express', price: { amount: price, currency: 'EUR' } };
}

/**
 * A return.received payload for `order` (made by orderPlaced): one unit of its first line
 * (10.25 EUR), or the lines given, refund = their sum.
 */
export function returnReceived(
  order: ReturnType<typeof orderPlaced>,
  lines: { productId: string; quantity: number; amount: string }[] = [
    { productId: order.lines[0]!.productId, quantity: 1, amount: '10.25' },
  ],
  refund = sumAmounts(lines.map((l) => l.amount)),
) {
  return {
    returnId: uuidv7(),
    orderId: order.orderId,
    userId: order.userId,
    storeId: uuidv7(),
    lines: lines.map((l) => ({ ...l, amount: { amount: l.amount, currency: 'EUR' } })),
    refund: { amount: refund, currency: 'EUR' },
    at: new Date().toISOString(),
  } satisfies ReturnReceived;
}
