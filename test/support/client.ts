// A tiny API client for flow tests and benchmarks: what a storefront would call, through the gateway.
import { randomBytes } from 'node:crypto';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './system.ts';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class Client {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body ?? {}, headers);
  }
  put<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', path, body, headers);
  }
  delete<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('DELETE', path, undefined, headers);
  }
}

async function expectStatus<T>(reply: Reply<T>, status: number, what: string): Promise<T> {
  if (reply.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return reply.body;
}

export async function loginAs(baseUrl: string, email: string, password: string): Promise<Client> {
  const client = new Client(baseUrl);
  const tokens = await expectStatus(
    await client.post<{ accessToken: string }>('/auth/login', { email, password }),
    200,
    `login ${email}`,
  );
  client.token = tokens.accessToken;
  return client;
}

export function adminClient(baseUrl: string): Promise<Client> {
  return loginAs(baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
}

export interface Customer {
  client: Client;
  userId: string;
  addressId: string;
}

/** Registers a customer, logs in and adds a default address. */
export async function newCustomer(baseUrl: string): Promise<Customer> {
  const tag = randomBytes(6).toString('hex');
  const email = `c_${tag}@mercato.test`;
  const password = `Pw-${tag}-long-enough`;
  const anon = new Client(baseUrl);
  // 201 with the user, or 202 when registration answers alike for new and taken e-mails: the id
  // then comes from /auth/me.
  const registered = await anon.post('/auth/register', { email, username: `c_${tag}`, password });
  if (registered.status !== 201 && registered.status !== 202) {
    throw new Error(
      `register: expected 201 or 202, got ${registered.status} ${JSON.stringify(registered.body)}`,
    );
  }
  const client = await loginAs(baseUrl, email, password);
  const user = await expectStatus(await client.get<{ id: string }>('/auth/me'), 200, 'me');
  const address = await expectStatus(
    await client.post<{ id: string }>('/addresses', {
      street: '1 Market Street',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    }),
    201,
    'address',
  );
  return { client, userId: user.id, addressId: address.id };
}

let categoryMade = new WeakSet<Client>();

/** Creates a product (with its category) and stock in one new store. Returns the product id. */
export async function stockedProduct(
  admin: Client,
  opts: { price?: string; onHand: number; name?: string; lowStockThreshold?: number },
): Promise<{ productId: string; storeId: string; stockId: string }> {
  if (!categoryMade.has(admin)) {
    const cat = await admin.post('/products/categories', { slug: 'flow', name: 'Flow tests' });
    if (cat.status !== 201 && cat.status !== 409) throw new Error(`category: ${cat.status}`);
    categoryMade.add(admin);
  }
  const tag = randomBytes(6).toString('hex');
  const product = await expectStatus(
    await admin.post<{ id: string }>('/products', {
      name: opts.name ?? `Flow product ${tag}`,
      description: 'made by a flow test',
      category: 'flow',
      price: { amount: opts.price ?? '12.50', currency: 'EUR' },
    }),
    201,
    'product',
  );
  const store = await expectStatus(
    await admin.post<{ id: string }>('/stores', { code: `S-${tag}`, name: `Store ${tag}` }),
    201,
    'store',
  );
  const stock = await expectStatus(
    await admin.post<{ id: string }>('/stocks', {
      productId: product.id,
      storeId: store.id,
      onHand: opts.onHand,
      lowStockThreshold: opts.lowStockThreshold ?? 0,
    }),
    201,
    'stock',
  );
  return { productId: product.id, storeId: store.id, stockId: stock.id };
}

export function resetClientCaches() {
  categoryMade = new WeakSet<Client>();
}

export const TERMINAL = new Set(['CONFIRMED', 'CANCELLED']);

/** Polls an order until its status is one of `statuses`; returns the order. */
export async function waitForStatus(
  client: Client,
  orderId: string,
  statuses: Set<string> = TERMINAL,
  timeoutMs = 30_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: Reply | undefined;
  while (Date.now() < deadline) {
    last = await client.get(`/orders/${orderId}`);
    if (last.status === 200 && statuses.has(last.body.status)) return last.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${orderId} did not reach ${[...statuses]}: ${JSON.stringify(last?.body)}`);
}
