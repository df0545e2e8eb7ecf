// The shipping line: POST /orders with a shipping option reads its quote from shipping (a small
// stand-in for shipping's GET /shippings/quotes/{id} here), charges the quoted price (total = lines +
// shipping), shows it, and carries it on order.placed / order.lines_changed / order.confirmed. A quote
// that does not fit (unknown, expired, level not offered, other country, lines or currency) is a 422
// naming the field and writes nothing; shipping down is a 503. Line changes keep the shipping line
// only while the lines are the quoted ones, or take a new option.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PaymentSucceeded } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { deliver, eventually, getOrder, PROBLEM, type Setup, setup } from './helpers.ts';

const card = { type: 'card' as const, token: 'tok_visa' };
const PROBLEMS = 'https://mercato.dev/problems/';
type Tap = { teardown(fn: () => unknown): void };

interface QuoteFixture {
  quoteId: string;
  destination: { country: string; postalCode?: string };
  lines: { productId: string; quantity: number }[];
  currency: string;
  weightGrams: number;
  options: {
    level: string;
    price: { amount: string; currency: string };
    estimatedDays: { min: number; max: number };
  }[];
  createdAt: string;
  expiresAt: string;
}

/** shipping's GET /shippings/quotes/{id}, from quotes the test puts in; `down` answers 503. */
async function fakeShipping(t: Tap) {
  const quotes = new Map<string, QuoteFixture>();
  const state = { down: false, reads: 0 };
  const server = createServer((req, res) => {
    state.reads += 1;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.down) return send(503, { title: 'down' });
    const id = /^\/shippings\/quotes\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    const quote = id ? quotes.get(id) : undefined;
    if (!quote) return send(404, { type: `${PROBLEMS}not-found`, title: 'Not Found', status: 404 });
    send(200, quote);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    /** A quote for `lines` to `country` (GB: the tests' address), valid for 30 minutes unless told. */
    quote(
      lines: { productId: string; quantity: number }[],
      opts: {
        country?: string;
        currency?: string;
        expiresInMs?: number;
        standard?: string;
        express?: string;
      } = {},
    ) {
      const currency = opts.currency ?? 'EUR';
      const now = Date.now();
      const quote: QuoteFixture = {
        quoteId: uuidv7(),
        destination: { country: opts.country ?? 'GB' },
        lines,
        currency,
        weightGrams: 500,
        options: [
          {
            level: 'standard',
            price: { amount: opts.standard ?? '4.90', currency },
            estimatedDays: { min: 2, max: 4 },
          },
          ...(opts.express === ''
            ? []
            : [
                {
                  level: 'express',
                  price: { amount: opts.express ?? '12.50', currency },
                  estimatedDays: { min: 1, max: 1 },
                },
              ]),
        ],
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + (opts.expiresInMs ?? 30 * 60_000)).toISOString(),
      };
      quotes.set(quote.quoteId, quote);
      return quote;
    },
  };
}

async function withShipping(t: Tap) {
  const shipping = await fakeShipping(t);
  const s = await setup(t, { SHIPPING_URL: shipping.url, SHIPPING_TIMEOUT_MS: 500 });
  const book = await s.seedProduct({ price: { amount: '20.00', currency: 'EUR' } });
  const pen = await s.seedProduct({ price: { amount: '1.25', currency: 'EUR' } });
  return { s, shipping, book, pen };
}

const place = (s: Setup, payload: object, headers: Record<string, string> = {}) =>
  s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...s.bearer(s.customer.token), ...headers },
    payload: { shippingAddressId: uuidv7(), paymentMethod: card, ...payload },
  });

/** The events of `type` about the order (of its `revision`, if given), once there is one. */
const published = (s: Setup, type: string, orderId: string, revision?: number) =>
  eventually(async () => {
    const found = s.events
      .of(type, orderId)
      .filter((e) => revision === undefined || (e.data as { revision?: number }).revision === revision);
    if (found.length === 0) throw new Error(`${type} not published yet`);
    return found;
  });

t.test('the quoted price is the shipping line: total, view, order.placed, order.confirmed', async (t) => {
  const { s, shipping, book } = await withShipping(t);
  const lines = [{ productId: book.productId, quantity: 2 }];
  const q = shipping.quote(lines);
  const res = await place(s, { lines, shipping: { quoteId: q.quoteId, level: 'express' } });
  t.equal(res.statusCode, 201, res.body);
  const order = res.json();
  t.same(order.shipping, {
    quoteId: q.quoteId,
    level: 'express',
    price: { amount: '12.50', currency: 'EUR' },
  });
  t.same(order.subtotal, { amount: '40.00', currency: 'EUR' }, 'the lines alone');
  t.same(order.total, { amount: '52.50', currency: 'EUR' }, 'lines + shipping, exact');
  t.same((await getOrder(s, order.id)).shipping, order.shipping, 'GET shows it');

  const [placed] = await published(s, 'order.placed', order.id);
  t.same(placed!.data.shipping, order.shipping);
  t.same(placed!.data.total, { amount: '52.50', currency: 'EUR' }, 'the total charged includes it');

  await deliver(
    s,
    envelope<PaymentSucceeded>(
      'payment.succeeded',
      {
        paymentId: uuidv7(),
        orderId: order.id,
        userId: order.userId,
        revision: 1,
        amount: order.total,
        providerRef: 'ch_1',
      },
      { source: 'payments', correlationId: order.id },
    ),
  );
  const [confirmed] = await published(s, 'order.confirmed', order.id);
  t.same(confirmed!.data.shipping, order.shipping, 'order.confirmed carries the shipping line');
  t.same(confirmed!.data.shippingAddress, order.shippingAddress, 'and where the parcels go');
  t.same(confirmed!.data.total, order.total);
});

t.test('an order without a shipping option: as before, no call to shipping', async (t) => {
  const { s, shipping, book } = await withShipping(t);
  const res = await place(s, { lines: [{ productId: book.productId, quantity: 1 }] });
  t.equal(res.statusCode, 201);
  t.equal(res.json().shipping, null);
  t.same(res.json().subtotal, res.json().total);
  t.equal(shipping.state.reads, 0, 'shipping was not asked');
  const [placed] = await published(s, 'order.placed', res.json().id);
  t.notOk('shipping' in placed!.data, 'order.placed has no shipping');
});

t.test('a quote that does not fit is a 422 naming the field; nothing is written', async (t) => {
  const { s, shipping, book, pen } = await withShipping(t);
  const lines = [
    { productId: book.productId, quantity: 1 },
    { productId: pen.productId, quantity: 2 },
  ];
  const cases: [string, object, string, string][] = [
    ['unknown quote', { quoteId: uuidv7(), level: 'standard' }, 'shipping-quote-unknown', 'quoteId'],
    [
      'expired',
      { quoteId: shipping.quote(lines, { expiresInMs: -1000 }).quoteId, level: 'standard' },
      'shipping-quote-expired',
      'quoteId',
    ],
    [
      'level not offered',
      { quoteId: shipping.quote(lines, { express: '' }).quoteId, level: 'express' },
      'shipping-level-unavailable',
      'level',
    ],
    [
      'another country',
      { quoteId: shipping.quote(lines, { country: 'DE' }).quoteId, level: 'standard' },
      'shipping-quote-mismatch',
      'quoteId',
    ],
    [
      'other quantities',
      {
        quoteId: shipping.quote([
          { productId: book.productId, quantity: 1 },
          { productId: pen.productId, quantity: 3 },
        ]).quoteId,
        level: 'standard',
      },
      'shipping-quote-mismatch',
      'quoteId',
    ],
    [
      'a product missing',
      { quoteId: shipping.quote([{ productId: book.productId, quantity: 1 }]).quoteId, level: 'standard' },
      'shipping-quote-mismatch',
      'quoteId',
    ],
    [
      'another currency',
      { quoteId: shipping.quote(lines, { currency: 'USD' }).quoteId, level: 'standard' },
      'shipping-quote-mismatch',
      'quoteId',
    ],
  ];
  const before = await s.counts();
  for (const [why, choice, slug, field] of cases) {
    const res = await place(s, { lines, shipping: choice }, { 'idempotency-key': uuidv7() });
    t.equal(res.statusCode, 422, why);
    t.equal(res.headers['content-type'], PROBLEM, why);
    t.match(res.json(), { type: `${PROBLEMS}${slug}`, errors: [{ path: `body/shipping/${field}` }] }, why);
  }
  const details = async (choice: object) =>
    (await place(s, { lines, shipping: choice })).json().detail as string;
  t.match(
    await details({ quoteId: shipping.quote(lines, { country: 'DE' }).quoteId, level: 'standard' }),
    /the quote is for DE, the order ships to GB/,
    'the detail says what differs',
  );
  t.match(
    await details({
      quoteId: shipping.quote([{ productId: book.productId, quantity: 1 }]).quoteId,
      level: 'standard',
    }),
    new RegExp(`product ${pen.productId}: 0 quoted, 2 ordered`),
  );
  t.same(await s.counts(), before, 'no order, no event, no key');

  // The same lines in another order and split: the quote still fits (lines are compared merged).
  const fits = shipping.quote(lines);
  const ok = await place(s, {
    lines: [
      { productId: pen.productId, quantity: 1 },
      { productId: book.productId, quantity: 1 },
      { productId: pen.productId, quantity: 1 },
    ],
    shipping: { quoteId: fits.quoteId, level: 'standard' },
  });
  t.equal(ok.statusCode, 201, ok.body);
  t.same(ok.json().total, { amount: '27.40', currency: 'EUR' }, '20.00 + 2 × 1.25 + 4.90');
});

t.test(
  'shipping down: 503 and nothing written; a replayed Idempotency-Key does not ask shipping',
  async (t) => {
    const { s, shipping, book } = await withShipping(t);
    const lines = [{ productId: book.productId, quantity: 1 }];
    const q = shipping.quote(lines);
    const key = uuidv7();
    const payload = {
      lines,
      shippingAddressId: uuidv7(),
      shipping: { quoteId: q.quoteId, level: 'standard' },
    };
    const first = await place(s, payload, { 'idempotency-key': key });
    t.equal(first.statusCode, 201);
    t.equal(first.json().total.amount, '24.90');

    shipping.state.down = true;
    const before = await s.counts();
    const reads = shipping.state.reads;
    const refused = await place(s, payload, { 'idempotency-key': uuidv7() });
    t.equal(refused.statusCode, 503);
    t.equal(refused.headers['content-type'], PROBLEM);
    t.match(refused.json(), { type: `${PROBLEMS}upstream-unavailable`, service: 'shipping' });
    t.ok(shipping.state.reads > reads, 'shipping was asked');
    t.same(await s.counts(), before, 'nothing written');

    const readsBeforeReplay = shipping.state.reads;
    const replay = await place(s, payload, { 'idempotency-key': key });
    t.equal(replay.statusCode, 201);
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.same(replay.json(), first.json(), 'the first answer');
    t.equal(shipping.state.reads, readsBeforeReplay, 'a replay never asks shipping');

    // Without a shipping option nothing needs shipping.
    const plain = await place(s, { lines });
    t.equal(plain.statusCode, 201);
  },
);

t.test('line changes: the quoted lines keep the shipping line; other lines need a new quote', async (t) => {
  const { s, shipping, book, pen } = await withShipping(t);
  const auth = s.bearer(s.customer.token);
  const lines = [{ productId: book.productId, quantity: 1 }];
  const q = shipping.quote(lines);
  const order = (await place(s, { lines, shipping: { quoteId: q.quoteId, level: 'standard' } })).json();
  t.equal(order.total.amount, '24.90');
  const bookLine = order.lines[0].id;

  // The same quantity again: still the quoted lines, the shipping line stays.
  const same = await s.app.inject({
    method: 'PUT',
    url: `/orders/${order.id}/items/${bookLine}`,
    headers: auth,
    payload: { quantity: 1 },
  });
  t.equal(same.statusCode, 200, same.body);
  t.same(same.json().shipping, order.shipping);
  t.equal(same.json().total.amount, '24.90');

  const before = await s.counts();
  const unquoted = await s.app.inject({
    method: 'POST',
    url: `/orders/${order.id}/items`,
    headers: auth,
    payload: { productId: pen.productId, quantity: 2 },
  });
  t.equal(unquoted.statusCode, 422, 'other lines than quoted, without a new quote');
  t.match(unquoted.json(), {
    type: `${PROBLEMS}shipping-quote-mismatch`,
    errors: [{ path: 'body/shipping/quoteId' }],
    detail: /new quote/,
  });
  const wrong = await s.app.inject({
    method: 'POST',
    url: `/orders/${order.id}/items`,
    headers: auth,
    payload: { productId: pen.productId, quantity: 2, shipping: { quoteId: q.quoteId, level: 'standard' } },
  });
  t.equal(wrong.statusCode, 422, 'the old quote does not fit the new lines');
  t.match(wrong.json(), { type: `${PROBLEMS}shipping-quote-mismatch` });
  t.same(await s.counts(), before, 'refused changes wrote nothing');

  const twoLines = [
    { productId: book.productId, quantity: 1 },
    { productId: pen.productId, quantity: 2 },
  ];
  const q2 = shipping.quote(twoLines, { express: '15.00' });
  const added = await s.app.inject({
    method: 'POST',
    url: `/orders/${order.id}/items`,
    headers: auth,
    payload: { productId: pen.productId, quantity: 2, shipping: { quoteId: q2.quoteId, level: 'express' } },
  });
  t.equal(added.statusCode, 201, added.body);
  t.same(added.json().shipping, {
    quoteId: q2.quoteId,
    level: 'express',
    price: { amount: '15.00', currency: 'EUR' },
  });
  t.same(added.json().subtotal, { amount: '22.50', currency: 'EUR' });
  t.same(added.json().total, { amount: '37.50', currency: 'EUR' });
  const [changed] = await published(s, 'order.lines_changed', order.id, added.json().revision);
  t.same(changed!.data.shipping, added.json().shipping, 'order.lines_changed carries the new line');
  t.equal(changed!.data.total.amount, '37.50');

  // A removal with a new quote (in DELETE's query); without one it is refused.
  const penLine = added.json().lines.find((l: any) => l.productId === pen.productId).id;
  const refused = await s.app.inject({
    method: 'DELETE',
    url: `/orders/${order.id}/items/${penLine}`,
    headers: auth,
  });
  t.equal(refused.statusCode, 422);
  t.match(refused.json(), { type: `${PROBLEMS}shipping-quote-mismatch` });
  const expired = shipping.quote(lines, { expiresInMs: -1 });
  const late = await s.app.inject({
    method: 'DELETE',
    url: `/orders/${order.id}/items/${penLine}?shippingQuoteId=${expired.quoteId}&shippingLevel=standard`,
    headers: auth,
  });
  t.equal(late.statusCode, 422);
  t.match(late.json(), { type: `${PROBLEMS}shipping-quote-expired` });
  const q3 = shipping.quote(lines, { standard: '0.00' });
  const removed = await s.app.inject({
    method: 'DELETE',
    url: `/orders/${order.id}/items/${penLine}?shippingQuoteId=${q3.quoteId}&shippingLevel=standard`,
    headers: auth,
  });
  t.equal(removed.statusCode, 200, removed.body);
  t.same(removed.json().shipping, {
    quoteId: q3.quoteId,
    level: 'standard',
    price: { amount: '0.00', currency: 'EUR' },
  });
  t.equal(removed.json().total.amount, '20.00', 'free shipping');

  // An order without a shipping line can take one with a change.
  const plain = (await place(s, { lines })).json();
  const q4 = shipping.quote([{ productId: book.productId, quantity: 3 }]);
  const grown = await s.app.inject({
    method: 'PUT',
    url: `/orders/${plain.id}/items/${plain.lines[0].id}`,
    headers: auth,
    payload: { quantity: 3, shipping: { quoteId: q4.quoteId, level: 'standard' } },
  });
  t.equal(grown.statusCode, 200, grown.body);
  t.equal(grown.json().total.amount, '64.90');
  const otherLine = await s.app.inject({
    method: 'PUT',
    url: `/orders/${plain.id}/items/${plain.lines[0].id}`,
    headers: auth,
    payload: { quantity: 2 },
  });
  t.equal(otherLine.statusCode, 422, 'from now on its lines are quoted ones');
});
