// Where the authorization matrix gets a real id for each path parameter (ID_PROVIDERS) and a valid
// body for each write (BODIES, with a generator from the request schema for the rest). A new route
// whose id none of these can resolve fails the matrix with a message naming the line to add here.
import { randomBytes } from 'node:crypto';
import { eventually, querySchema } from '@mercato/testing';
import { type Client, type Customer, newCustomer, stockedProduct, waitForStatus } from '../support/client.ts';
import type { Operation } from './access.ts';

export interface Actors {
  admin: Client;
  owner: Customer & { email: string };
  other: Customer & { email: string };
  /** Products every world's orders are placed with (plenty of stock). */
  catalog: { lineProducts: [string, string] };
  /** Each service's schema (system.schemas): for what no API hands out, like an unsubscribe code. */
  schemas: Record<string, string>;
  /** The fake carrier's API: the matrix reports tracking events through it to deliver parcels. */
  carrierUrl: string;
}

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
};

export const ADDRESS = { street: '7 Owner Lane', city: 'Berlin', postalCode: '10115', country: 'DE' };

/**
 * The owner's resources, made on first use. The matrix reads with one shared world and gives every
 * allowed write a world of its own (a write may delete or cancel what it was given).
 */
export class World {
  readonly ids = new Set<string>();

  constructor(readonly actors: Actors) {}

  private remember<T extends string>(id: T): T {
    this.ids.add(id);
    return id;
  }

  readonly product = once(async () => {
    const made = await stockedProduct(this.actors.admin, { onHand: 100 });
    return made;
  });

  readonly address = once(async () => {
    const reply = await this.actors.owner.client.post('/addresses', ADDRESS);
    if (reply.status !== 201) throw new Error(`address: ${reply.status} ${JSON.stringify(reply.body)}`);
    return this.remember(reply.body.id as string);
  });

  /**
   * A PENDING order of the owner with two lines whose card was declined: with the system's long
   * payment retry window it stays PENDING (its lines can change) and nothing more happens to it.
   */
  readonly pendingOrder = once(async () => {
    const order = await this.placeOrder('tok_chargeDeclined');
    const settled = await eventually(
      async () => {
        const reply = await this.actors.owner.client.get(`/orders/${order.id}`);
        if (!reply.body?.payment?.failedAt) throw new Error(`order ${order.id}: no declined payment yet`);
        return reply.body;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    for (const line of settled.lines) this.remember(line.id);
    return settled as { id: string; lines: { id: string }[] };
  });

  /** A CONFIRMED order of the owner: paid (a captured payment) and invoiced. */
  readonly confirmedOrder = once(async () => {
    const order = await this.placeOrder('tok_visa');
    const confirmed = await waitForStatus(this.actors.owner.client, order.id);
    if (confirmed.status !== 'CONFIRMED') throw new Error(`order ${order.id} ended ${confirmed.status}`);
    return confirmed as { id: string };
  });

  readonly payment = once(async () => {
    const { id } = await this.confirmedOrder();
    return this.remember(await this.firstOf(`/payments?orderId=${id}`, 'payment'));
  });

  readonly invoice = once(async () => {
    const { id } = await this.confirmedOrder();
    return this.remember(await this.firstOf(`/invoices?orderId=${id}`, 'invoice'));
  });

  /** A mail sent to the owner (registering sends one): its notification record. */
  readonly notification = once(async () => {
    const id = await eventually(
      async () => {
        const reply = await this.actors.owner.client.get('/notifications');
        const first = reply.body?.items?.[0]?.id;
        if (!first) throw new Error(`no notification of the owner yet (${reply.status})`);
        return first as string;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    return this.remember(id);
  });

  /**
   * The owner's unsubscribe code. It travels only in the List-Unsubscribe header of marketing mail
   * (there is none yet), so it is read from notifications' table, once the owner's preferences exist.
   */
  readonly unsubscribeCode = once(async () => {
    const prefs = await this.actors.owner.client.get('/notifications/preferences');
    if (prefs.status !== 200) throw new Error(`preferences: ${prefs.status}`);
    const schema = this.actors.schemas.notifications;
    if (!schema) throw new Error('no notifications schema: start the system with an smtpPort');
    const [row] = await querySchema<{ unsubscribe_token: string }>(
      schema,
      'select unsubscribe_token from preference where user_id = $1',
      [this.actors.owner.userId],
    );
    if (!row) throw new Error('no preference row of the owner');
    return row.unsubscribe_token;
  });

  /** A shipping quote for the world's product (quotes are public: anyone may read one by id). */
  readonly quote = once(async () => {
    const { productId } = await this.product();
    // Shipping learns of a new product from an event (or asks catalog): retry until it quotes.
    const quote = await eventually(
      async () => {
        const r = await this.actors.owner.client.post('/shippings/rates', {
          destination: { country: ADDRESS.country },
          lines: [{ productId, quantity: 1 }],
        });
        if (r.status !== 201) throw new Error(`quote: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body as { quoteId: string };
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    return quote.quoteId;
  });

  /** The parcels of one of the owner's orders, once each is booked with the carrier. */
  private bookedShipments(orderId: string): Promise<{ id: string; trackingNumber: string }[]> {
    return eventually(
      async () => {
        const reply = await this.actors.admin.get(`/shippings?orderId=${orderId}`);
        const items = (reply.body?.items ?? []) as { id: string; trackingNumber?: string }[];
        if (items.length === 0 || items.some((s) => !s.trackingNumber))
          throw new Error(`no booked shipment of ${orderId} yet (${reply.status})`);
        return items as { id: string; trackingNumber: string }[];
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }

  /** The carrier reports a parcel delivered (it signs the event and calls shipping's webhook). */
  private async carrierDelivers(trackingNumber: string): Promise<void> {
    const res = await fetch(`${this.actors.carrierUrl}/v1/parcels/${trackingNumber}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'delivered' }),
    });
    if (res.status >= 300) throw new Error(`carrier event: ${res.status} ${await res.text()}`);
  }

  /** A shipment of the owner's confirmed order. */
  readonly shipment = once(async () => {
    const { id } = await this.confirmedOrder();
    const [first] = await this.bookedShipments(id);
    return this.remember(first!.id);
  });

  /** A DELIVERED order of the owner (its own, so the confirmed one stays CONFIRMED). */
  readonly deliveredOrder = once(async () => {
    const order = await this.placeOrder('tok_visa');
    const confirmed = await waitForStatus(this.actors.owner.client, order.id);
    if (confirmed.status !== 'CONFIRMED') throw new Error(`order ${order.id} ended ${confirmed.status}`);
    for (const s of await this.bookedShipments(order.id)) await this.carrierDelivers(s.trackingNumber);
    await waitForStatus(this.actors.owner.client, order.id, new Set(['DELIVERED']));
    return { id: order.id, productId: this.actors.catalog.lineProducts[0] };
  });

  /** A return of one unit of the delivered order, booked with the carrier. */
  readonly return = once(async () => {
    const order = await this.deliveredOrder();
    const reply = await this.actors.owner.client.post('/shippings/returns', {
      orderId: order.id,
      lines: [{ productId: order.productId, quantity: 1 }],
    });
    if (reply.status !== 201) throw new Error(`return: ${reply.status} ${JSON.stringify(reply.body)}`);
    return this.remember(reply.body.id as string);
  });

  /** The credit note of the owner's return, once the carrier brought the parcel back. */
  readonly creditNote = once(async () => {
    const returnId = await this.return();
    const booked = await eventually(
      async () => {
        const r = await this.actors.owner.client.get(`/shippings/returns/${returnId}`);
        if (!r.body?.trackingNumber) throw new Error(`return ${returnId} not booked yet`);
        return r.body as { trackingNumber: string; orderId: string };
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await this.carrierDelivers(booked.trackingNumber);
    return this.remember(
      await this.firstOf(`/invoices/credit-notes?orderId=${booked.orderId}`, 'credit note'),
    );
  });

  /**
   * A customer of this world's own, for what cannot be undone: an admin's DELETE /users/{id} erases
   * the account, and the owner must live on for the other operations.
   */
  readonly disposableUser = once(async () => (await newCustomer(this.actors.admin.baseUrl)).userId);

  /** A line in the owner's cart (one cart per customer: each world adds its own product). */
  readonly cartItem = once(async () => {
    const { productId } = await this.product();
    // The cart learns of a new product from an event, or asks catalog: retry until it is known.
    const cart = await eventually(
      async () => {
        const r = await this.actors.owner.client.post('/carts/me/items', { productId, quantity: 1 });
        if (r.status >= 300) throw new Error(`cart item: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body.cart ?? r.body;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const line = (cart.lines as { id: string; productId: string }[]).find((l) => l.productId === productId);
    if (!line) throw new Error(`cart item: no line for ${productId} in ${JSON.stringify(cart)}`);
    return this.remember(line.id);
  });

  private async placeOrder(card: string): Promise<{ id: string }> {
    const { owner, catalog } = this.actors;
    const body = {
      lines: catalog.lineProducts.map((productId) => ({ productId, quantity: 1 })),
      shippingAddressId: owner.addressId,
      paymentMethod: { type: 'card', token: card },
    };
    // Orders learns of a new product from an event: until then the product is unknown (422).
    const reply = await eventually(
      async () => {
        const r = await owner.client.post('/orders', body);
        if (r.status === 422 && /product/i.test(JSON.stringify(r.body))) throw new Error('not yet');
        return r;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    if (reply.status !== 201) throw new Error(`order: ${reply.status} ${JSON.stringify(reply.body)}`);
    for (const line of reply.body.lines) this.remember(line.id);
    return { id: this.remember(reply.body.id as string) };
  }

  private firstOf(listPath: string, what: string): Promise<string> {
    return eventually(
      async () => {
        const reply = await this.actors.admin.get(listPath);
        const id = reply.body?.items?.[0]?.id;
        if (!id) throw new Error(`no ${what} yet (${reply.status})`);
        return id as string;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }
}

type Provider = (w: World) => Promise<string>;

/**
 * How to get a real id for a path parameter, keyed by the path template up to and including the
 * parameter (`/orders/{id}/items/{itemId}` asks `/orders/{id}` for `id` and the whole template for
 * `itemId`; `GET /stocks/{id}` when one template means two things by method), or by the parameter
 * alone (`{userId}`) wherever it appears. The id is the owner's (or,
 * for what only admins make, a product, a store, a stock row the owner may order from).
 */
export const ID_PROVIDERS: Record<string, Provider> = {
  '/addresses/{id}': (w) => w.address(),
  '/orders/{id}': async (w) => (await w.pendingOrder()).id,
  '/orders/{id}/items/{itemId}': async (w) => (await w.pendingOrder()).lines[0].id,
  '/payments/{id}': (w) => w.payment(),
  '/invoices/{id}': (w) => w.invoice(),
  '/products/{id}': async (w) => (await w.product()).productId,
  // bought together with a product (public: anyone gets the same answer)
  '/recommendations/products/{id}': async (w) => (await w.product()).productId,
  '/stores/{id}': async (w) => (await w.product()).storeId,
  // PUT/PATCH take a stock row (one product in one store); GET takes a product (its level).
  '/stocks/{id}': async (w) => (await w.product()).stockId,
  'GET /stocks/{id}': async (w) => (await w.product()).productId,
  '/users/{id}': async (w) => w.actors.owner.userId,
  'DELETE /users/{id}': (w) => w.disposableUser(),
  '/carts/me/items/{itemId}': (w) => w.cartItem(),
  '/notifications/{id}': (w) => w.notification(),
  '/shippings/quotes/{quoteId}': (w) => w.quote(),
  '/shippings/{shipmentId}': (w) => w.shipment(),
  '/shippings/returns/{returnId}': (w) => w.return(),
  '/invoices/credit-notes/{id}': (w) => w.creditNote(),
  // a template's name (admins preview it with sample data)
  '/notifications/templates/{name}': async () => 'order-confirmed',
  '/notifications/unsubscribe/{code}': (w) => w.unsubscribeCode(),
  '{userId}': async (w) => w.actors.owner.userId,
  '{productId}': async (w) => (await w.product()).productId,
};

/** The provider for one parameter: `METHOD prefix` first, then `prefix`, then `{param}`. */
export function providerFor(method: string, template: string, param: string): Provider | undefined {
  const marker = `{${param}}`;
  const prefix = template.slice(0, template.indexOf(marker) + marker.length);
  return ID_PROVIDERS[`${method} ${prefix}`] ?? ID_PROVIDERS[prefix] ?? ID_PROVIDERS[marker];
}

type BodyMaker = (w: World) => Promise<unknown> | unknown;

/** Valid bodies for writes, keyed `METHOD /template`. Operations not listed get one generated. */
export const BODIES: Record<string, BodyMaker> = {
  'PUT /addresses/{id}': () => ({ ...ADDRESS, street: '8 Owner Lane' }),
  'PUT /orders/{id}': () => ({ status: 'CANCELLED' }),
  'POST /orders/{id}/items': (w) => ({ productId: w.actors.catalog.lineProducts[0], quantity: 1 }),
  'PUT /orders/{id}/items/{itemId}': () => ({ quantity: 2 }),
  'PATCH /carts/me/items/{itemId}': () => ({ quantity: 2 }),
  'POST /payments/{id}/refunds': () => ({ amount: '1.00', currency: 'EUR', reason: 'authorization matrix' }),
  'PUT /products/{id}': () => ({
    name: `Matrix product ${randomBytes(4).toString('hex')}`,
    category: 'flow',
    price: { amount: '9.99', currency: 'EUR' },
  }),
  'PATCH /products/{id}': () => ({ description: 'changed by the authorization matrix' }),
  'PUT /stocks/{id}': () => ({ onHand: 50, lowStockThreshold: 0 }),
  'PATCH /stocks/{id}': () => ({ onHand: 60 }),
  'PUT /stores/{id}': () => ({
    code: `M-${randomBytes(4).toString('hex')}`,
    name: 'Matrix store',
    address: null,
    active: true,
  }),
  'PATCH /stores/{id}': () => ({ name: 'Matrix store, renamed' }),
  'PATCH /users/{id}': () => ({ active: true }),
  'POST /shippings/returns': async (w) => {
    const order = await w.deliveredOrder();
    return { orderId: order.id, lines: [{ productId: order.productId, quantity: 1 }] };
  },
};

/** The body to send with a well-formed request: from BODIES, else generated from the schema. */
export async function bodyFor(op: Operation, w: World): Promise<unknown> {
  const listed = BODIES[op.key];
  if (listed) return listed(w);
  if (!op.bodySchema) return undefined;
  const generated = exampleOf(op.bodySchema);
  if (generated === undefined) {
    throw new Error(
      `${op.key}: cannot make a valid body from its schema: add a line for '${op.key}' to BODIES in test/authz/fixtures.ts`,
    );
  }
  return generated;
}

/** A minimal value the schema accepts, or undefined when that takes knowledge (a pattern, an id). */
export function exampleOf(schema: any): unknown {
  if (!schema || typeof schema !== 'object') return undefined;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) {
      for (const option of schema[key]) {
        const value = exampleOf(option);
        if (value !== undefined) return value;
      }
      return undefined;
    }
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties: Record<string, unknown> = schema.properties ?? {};
      const names: string[] = [...(schema.required ?? [])];
      if (names.length < (schema.minProperties ?? 0)) {
        for (const name of Object.keys(properties)) if (!names.includes(name)) names.push(name);
      }
      const out: Record<string, unknown> = {};
      for (const name of names.slice(0, Math.max(schema.required?.length ?? 0, schema.minProperties ?? 0))) {
        const value = exampleOf(properties[name]);
        if (value === undefined) return undefined;
        out[name] = value;
      }
      return out;
    }
    case 'array': {
      const count = schema.minItems ?? 0;
      const items = Array.from({ length: count }, () => exampleOf(schema.items));
      return items.some((i) => i === undefined) ? undefined : items;
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      if (schema.pattern || schema.format === 'uuid') return undefined;
      if (schema.format === 'email') return 'matrix@mercato.test';
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format) return undefined;
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return undefined;
  }
}
