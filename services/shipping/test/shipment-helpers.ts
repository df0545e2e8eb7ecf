// Set-up for the shipments, tracking, webhook and returns tests, on the common one (helpers.ts: the real
// app on an isolated schema and a unique exchange, a local token signer): an in-process carrier (tests
// say how it answers), events as orders and inventory publish them, signed webhooks, the outbox read back.
import type { OrderConfirmed, StockReserved } from '@mercato/contracts';
import { type Envelope, envelope } from '@mercato/messaging';
import { eventually } from '@mercato/testing';
import { uuidv7 } from 'uuidv7';
import type { BookingOutcome, Carrier, CarrierParcel, CarrierStatus } from '../src/carrier/carrier.ts';
import { signWebhook } from '../src/carrier/webhook-signature.ts';
import type { Config } from '../src/config.ts';
import { setup as baseSetup } from './helpers.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

export const WEBHOOK_SECRET = 'test-carrier-webhook-secret-0123456789';
export const PROBLEM = 'application/problem+json; charset=utf-8';

/** What these tests run with over the defaults: quick booking retries, a known webhook secret. */
function shipmentsEnv(overrides: Partial<Config>): Record<string, string> {
  const env: Record<string, string> = {
    BOOKING_POLL_INTERVAL_MS: '50',
    BOOKING_RETRY_BASE_MS: '50',
    BOOKING_RETRY_MAX_MS: '200',
    CARRIER_TIMEOUT_MS: '1000',
    CARRIER_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
  for (const [key, value] of Object.entries(overrides)) env[key] = String(value);
  return env;
}

/** A carrier in this process: books each reference once (same reference, same tracking number). */
export function testCarrier() {
  const booked = new Map<string, string>();
  const calls: CarrierParcel[] = [];
  const state: { answer: (p: CarrierParcel) => BookingOutcome | undefined } = { answer: () => undefined };
  const carrier: Carrier = {
    name: 'test-carrier',
    async book(parcel) {
      calls.push(parcel);
      const scripted = state.answer(parcel);
      if (scripted) return scripted;
      let trackingNumber = booked.get(parcel.reference);
      if (!trackingNumber) {
        trackingNumber = `TC${uuidv7().replace(/-/g, '').slice(-16).toUpperCase()}`;
        booked.set(parcel.reference, trackingNumber);
      }
      return { kind: 'booked', parcel: { carrier: 'test-carrier', trackingNumber } };
    },
  };
  return {
    carrier,
    calls,
    /** answer differently from now on (undefined: book as usual) */
    answerWith(fn: (p: CarrierParcel) => BookingOutcome | undefined) {
      state.answer = fn;
    },
  };
}

export interface TestStore {
  storeId: string;
  code: string;
  name: string;
  address: string;
}

export const ADDRESS = {
  name: 'Ben Example',
  street: '1 Market Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

/** The common set-up (helpers.ts) with the carrier in this process and the actors these tests use. */
export async function setup(t: Tap, overrides: Partial<Config> = {}) {
  const carrier = testCarrier();
  const base = await baseSetup(t, { env: shipmentsEnv(overrides), deps: { carrier: carrier.carrier } });
  const { app, schema, publish, handled } = base;
  const withHeaders = async (role: 'customer' | 'admin' = 'customer') => {
    const u = await base.user(role);
    return { ...u, headers: { authorization: `Bearer ${u.token}` } as Record<string, string> };
  };
  const customer = await withHeaders();
  const other = await withHeaders();
  const admin = await withHeaders('admin');
  const sql = <R = any>(query: string, params: unknown[] = []) =>
    app.orm.em.fork().execute(query, params) as Promise<R[]>;

  const store = (code: string): TestStore => ({
    storeId: uuidv7(),
    code,
    name: `Store ${code}`,
    address: `${code} Road 5, 20095 Hamburg`,
  });

  /** An order as orders and inventory describe it: lines, the stores that hold them, the events. */
  const order = (opts: {
    userId?: string;
    lines: { productId: string; quantity: number; unitPrice?: string }[];
    /** [storeIndex, lineIndex, quantity] */
    allocations: { store: TestStore; productId: string; quantity: number }[];
    revision?: number;
    level?: 'standard' | 'express';
    address?: typeof ADDRESS | null;
  }) => {
    const orderId = uuidv7();
    const userId = opts.userId ?? customer.id;
    const revision = opts.revision ?? 1;
    const lines = opts.lines.map((l) => ({
      itemId: uuidv7(),
      productId: l.productId,
      quantity: l.quantity,
      unitPrice: { amount: l.unitPrice ?? '10.00', currency: 'EUR' },
    }));
    const stores = [...new Map(opts.allocations.map((a) => [a.store.storeId, a.store])).values()];
    const stockReserved = (over: Partial<StockReserved> = {}) =>
      envelope<StockReserved>(
        'stock.reserved',
        {
          orderId,
          userId,
          revision,
          lines: opts.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
          total: { amount: '1.00', currency: 'EUR' },
          paymentMethod: { type: 'card', token: 'tok' },
          allocations: opts.allocations.map((a) => ({
            storeId: a.store.storeId,
            productId: a.productId,
            quantity: a.quantity,
          })),
          stores,
          ...over,
        },
        { source: 'inventory', correlationId: orderId },
      );
    const orderConfirmed = (over: Partial<OrderConfirmed> = {}) =>
      envelope<OrderConfirmed>(
        'order.confirmed',
        {
          orderId,
          userId,
          revision,
          lines,
          total: { amount: '1.00', currency: 'EUR' },
          ...(opts.address === null ? {} : { shippingAddress: opts.address ?? ADDRESS }),
          ...(opts.level
            ? {
                shipping: {
                  quoteId: uuidv7(),
                  level: opts.level,
                  price: { amount: '4.90', currency: 'EUR' },
                },
              }
            : {}),
          ...over,
        },
        { source: 'orders', correlationId: orderId },
      );
    return { orderId, userId, lines, stockReserved, orderConfirmed };
  };

  /** The order's shipments as the service lists them to an admin. */
  const shipmentsOf = async (orderId: string) => {
    const res = await app.inject({
      method: 'GET',
      url: `/shippings?orderId=${orderId}`,
      headers: admin.headers,
    });
    if (res.statusCode !== 200) throw new Error(`list: ${res.statusCode} ${res.body}`);
    return res.json().items as any[];
  };

  /** Waits until the order has `count` shipments, each booked (with a tracking number). */
  const booked = (orderId: string, count: number) =>
    eventually(async () => {
      const items = await shipmentsOf(orderId);
      if (items.length !== count || items.some((s) => !s.trackingNumber))
        throw new Error(`shipments of ${orderId}: ${JSON.stringify(items)}`);
      return items;
    });

  /** Confirms the order through both events (stock.reserved first) and waits for its booked parcels. */
  const confirmedAndBooked = async (o: ReturnType<typeof order>, count: number) => {
    const reserved = o.stockReserved();
    const confirmed = o.orderConfirmed();
    await publish(reserved);
    await handled(reserved);
    await publish(confirmed);
    await handled(confirmed);
    return booked(o.orderId, count);
  };

  /** POSTs a carrier event, signed with the shared secret now (or as `opts` says). */
  const webhook = async (
    event: {
      trackingNumber: string;
      status: CarrierStatus;
      eventId?: string;
      occurredAt?: string;
      code?: string;
      description?: string;
    },
    opts: { secret?: string; timestamp?: number; signature?: string | null; rawBody?: string } = {},
  ) => {
    const body = {
      ...event,
      eventId: event.eventId ?? `ev-${uuidv7()}`,
      occurredAt: event.occurredAt ?? new Date().toISOString(),
    };
    const raw = opts.rawBody ?? JSON.stringify(body);
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const signature =
      opts.signature === null
        ? undefined
        : (opts.signature ?? signWebhook(opts.secret ?? WEBHOOK_SECRET, raw, timestamp));
    const res = await app.inject({
      method: 'POST',
      url: '/shippings/webhooks/carrier',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'carrier-signature': signature } : {}),
      },
      payload: raw,
    });
    return { res, body, raw, signature };
  };

  /** The events the service wrote to its outbox, oldest first. */
  const outbox = async <T = any>(type: string, orderId?: string) => {
    const rows = await sql<{ payload: Envelope<T> }>(
      `select payload from "${schema}".outbox where type = ? order by id`,
      [type],
    );
    return rows
      .map((r) => r.payload)
      .filter((e) => orderId === undefined || (e.data as any).orderId === orderId);
  };

  /** A hash of the shipments part's tables: a refused request must leave it unchanged. */
  const fingerprint = async () => {
    const [row] = await sql(
      `select (select coalesce(md5(string_agg(s::text, ',' order by s.id)), '') from "${schema}".shipment s) as shipments,
              (select coalesce(md5(string_agg(r::text, ',' order by r.id)), '') from "${schema}".return_parcel r) as returns,
              (select count(*) from "${schema}".tracking_event)::int as tracking,
              (select count(*) from "${schema}".webhook_signature)::int as signatures,
              (select count(*) from "${schema}".outbox)::int as outbox`,
    );
    return row;
  };

  const metric = async (name: string, labels: Record<string, string>) => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = res.body
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  return {
    app,
    auth: base.auth,
    schema,
    exchange: base.exchange,
    config: base.config,
    carrier,
    customer,
    other,
    admin,
    user: withHeaders,
    sql,
    publish,
    handled,
    store,
    order,
    shipmentsOf,
    booked,
    confirmedAndBooked,
    webhook,
    outbox,
    fingerprint,
    metric,
  };
}

export type Setup = Awaited<ReturnType<typeof setup>>;
export { eventually, uuidv7 };
