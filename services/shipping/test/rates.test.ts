// POST /shippings/rates against the seeded rate table (data/rate-table.json): options and prices for
// Germany, the EU and the world, weight bands and their edges, the default weight, the free-shipping
// threshold (standard only), merged lines; bad input is a 4xx problem that stores nothing.
import t from 'tap';
import { PROBLEM, PROBLEMS, type Setup, setup, uuidv7 } from './helpers.ts';

type Line = { productId: string; quantity: number };

const rates = (s: Setup, body: unknown, headers: Record<string, string> = {}) =>
  s.app.inject({ method: 'POST', url: '/shippings/rates', payload: body as object, headers });
const quoteFor = async (s: Setup, country: string, lines: Line[]) => {
  const res = await rates(s, { destination: { country }, lines });
  if (res.statusCode !== 201) throw new Error(`rates: ${res.statusCode} ${res.body}`);
  return res.json();
};
const priceOf = (quote: any, level: string) =>
  quote.options.find((o: any) => o.level === level)?.price.amount as string | undefined;
const countQuotes = async (s: Setup) =>
  (await s.query('select count(*)::int as n from quote'))[0].n as number;

t.test('quotes from the seeded table', async (t) => {
  const s = await setup(t);
  // 2 × 400 g = 800 g, 2 × 10.00 = 20.00 EUR: under the free-shipping threshold.
  const book = await s.seedProduct({ price: { amount: '10.00', currency: 'EUR' }, weightGrams: 400 });
  const lines = [{ productId: book.productId, quantity: 2 }];

  t.test('domestic (DE): standard and express, with delivery estimates', async (t) => {
    const res = await rates(s, { destination: { country: 'DE', postalCode: '10115' }, lines });
    t.equal(res.statusCode, 201);
    const q = res.json();
    t.equal(res.headers.location, `/shippings/quotes/${q.quoteId}`);
    t.match(q, {
      destination: { country: 'DE', postalCode: '10115' },
      lines,
      currency: 'EUR',
      subtotal: { amount: '20.00', currency: 'EUR' },
      weightGrams: 800,
      zone: 'domestic',
      rateTableVersion: 1,
    });
    t.same(q.options, [
      { level: 'standard', price: { amount: '4.99', currency: 'EUR' }, estimatedDays: { min: 1, max: 3 } },
      { level: 'express', price: { amount: '11.99', currency: 'EUR' }, estimatedDays: { min: 1, max: 1 } },
    ]);
    t.equal(
      Date.parse(q.expiresAt) - Date.parse(q.createdAt),
      60 * 60_000,
      'honoured for QUOTE_TTL_MINUTES (60)',
    );
  });

  t.test('EU (FR) and world (US, JP) zones', async (t) => {
    const fr = await quoteFor(s, 'FR', lines);
    t.equal(fr.zone, 'eu');
    t.same([priceOf(fr, 'standard'), priceOf(fr, 'express')], ['9.99', '24.99']);
    t.same(fr.options[0].estimatedDays, { min: 3, max: 6 });
    for (const country of ['US', 'JP']) {
      const world = await quoteFor(s, country, lines);
      t.equal(world.zone, 'world', `${country} falls to the catch-all zone`);
      t.same([priceOf(world, 'standard'), priceOf(world, 'express')], ['17.99', '49.99']);
    }
  });

  t.test('weight bands: the edge belongs to the lighter band', async (t) => {
    const kilo = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' }, weightGrams: 1000 });
    const gram = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' }, weightGrams: 1 });
    const at2000 = await quoteFor(s, 'DE', [{ productId: kilo.productId, quantity: 2 }]);
    t.equal(at2000.weightGrams, 2000);
    t.equal(priceOf(at2000, 'standard'), '4.99', '2000 g: up-to-2 kg band');
    const at2001 = await quoteFor(s, 'DE', [
      { productId: kilo.productId, quantity: 2 },
      { productId: gram.productId, quantity: 1 },
    ]);
    t.equal(at2001.weightGrams, 2001);
    t.same([priceOf(at2001, 'standard'), priceOf(at2001, 'express')], ['6.99', '14.99'], '2001 g: 5 kg band');
    const at31 = await quoteFor(s, 'DE', [{ productId: kilo.productId, quantity: 31 }]);
    t.same([priceOf(at31, 'standard'), priceOf(at31, 'express')], ['16.49', '29.99'], '31 kg: the last band');
  });

  t.test('heavier than every band of the zone: 422 no-shipping-option', async (t) => {
    const heavy = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' }, weightGrams: 25_000 });
    // 25 kg ships within Germany (bands up to 31.5 kg) but not to the world (up to 20 kg).
    t.equal((await quoteFor(s, 'DE', [{ productId: heavy.productId, quantity: 1 }])).options.length, 2);
    const before = await countQuotes(s);
    const res = await rates(s, {
      destination: { country: 'US' },
      lines: [{ productId: heavy.productId, quantity: 1 }],
    });
    t.equal(res.statusCode, 422);
    t.equal(res.headers['content-type'], PROBLEM);
    t.match(res.json(), {
      type: `${PROBLEMS}no-shipping-option`,
      country: 'US',
      zone: 'world',
      weightGrams: 25_000,
    });
    t.equal(await countQuotes(s), before, 'nothing stored');
  });

  t.test('a product without weightGrams weighs DEFAULT_WEIGHT_GRAMS (500)', async (t) => {
    const plain = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
    const q = await quoteFor(s, 'DE', [{ productId: plain.productId, quantity: 5 }]);
    t.equal(q.weightGrams, 2500);
    t.equal(priceOf(q, 'standard'), '6.99');
  });

  t.test('one product on several lines is one merged line', async (t) => {
    const other = await s.seedProduct({ weightGrams: 100 });
    const q = await quoteFor(s, 'DE', [
      { productId: book.productId, quantity: 1 },
      { productId: other.productId, quantity: 1 },
      { productId: book.productId, quantity: 2 },
    ]);
    t.same(q.lines, [
      { productId: book.productId, quantity: 3 },
      { productId: other.productId, quantity: 1 },
    ]);
    t.equal(q.weightGrams, 1300);
    t.equal(q.subtotal.amount, '40.00');
  });

  t.test('anyone may quote: no token, a customer, an admin', async (t) => {
    for (const headers of [{}, s.bearer(s.customer.token), s.bearer(s.admin.token)]) {
      const res = await rates(s, { destination: { country: 'DE' }, lines }, headers);
      t.equal(res.statusCode, 201);
    }
  });
});

t.test('free shipping from FREE_SHIPPING_THRESHOLD: standard only, express never', async (t) => {
  const s = await setup(t);
  const cheap = await s.seedProduct({ price: { amount: '24.99', currency: 'EUR' }, weightGrams: 300 });
  const cent = await s.seedProduct({ price: { amount: '0.01', currency: 'EUR' }, weightGrams: 1 });
  const below = await quoteFor(s, 'DE', [{ productId: cheap.productId, quantity: 2 }]);
  t.equal(below.subtotal.amount, '49.98');
  t.equal(priceOf(below, 'standard'), '4.99', '49.98 < 50.00: charged');
  const at = await quoteFor(s, 'DE', [
    { productId: cheap.productId, quantity: 2 },
    { productId: cent.productId, quantity: 2 },
  ]);
  t.equal(at.subtotal.amount, '50.00');
  t.equal(priceOf(at, 'standard'), '0.00', 'exactly the threshold: free');
  t.equal(priceOf(at, 'express'), '11.99', 'express is never free');
  const abroad = await quoteFor(s, 'US', [{ productId: cheap.productId, quantity: 4 }]);
  t.same([priceOf(abroad, 'standard'), priceOf(abroad, 'express')], ['0.00', '49.99'], 'in every zone');
});

t.test(
  'FREE_SHIPPING_THRESHOLD=none turns free shipping off; DEFAULT_WEIGHT_GRAMS is configurable',
  async (t) => {
    const s = await setup(t, { env: { FREE_SHIPPING_THRESHOLD: 'none', DEFAULT_WEIGHT_GRAMS: '1500' } });
    const p = await s.seedProduct({ price: { amount: '500.00', currency: 'EUR' } });
    const q = await quoteFor(s, 'DE', [{ productId: p.productId, quantity: 2 }]);
    t.equal(q.weightGrams, 3000);
    t.equal(priceOf(q, 'standard'), '6.99', 'a 1000.00 order still pays standard');
  },
);

t.test('bad input: 4xx problem+json, nothing stored', async (t) => {
  const s = await setup(t);
  const ok = await s.seedProduct({ weightGrams: 100 });
  const inactive = await s.seedProduct({ active: false });
  const dollars = await s.seedProduct({ price: { amount: '5.00', currency: 'USD' } });
  const line = { productId: ok.productId, quantity: 1 };
  const before = await countQuotes(s);

  const cases: [string, unknown, number, string][] = [
    ['no body', undefined, 400, 'validation-error'],
    ['empty lines', { destination: { country: 'DE' }, lines: [] }, 400, 'validation-error'],
    [
      'quantity 0',
      { destination: { country: 'DE' }, lines: [{ ...line, quantity: 0 }] },
      400,
      'validation-error',
    ],
    [
      'quantity 10001',
      { destination: { country: 'DE' }, lines: [{ ...line, quantity: 10_001 }] },
      400,
      'validation-error',
    ],
    [
      '101 lines',
      { destination: { country: 'DE' }, lines: Array.from({ length: 101 }, () => line) },
      400,
      'validation-error',
    ],
    [
      'a malformed product id',
      { destination: { country: 'DE' }, lines: [{ productId: 'x', quantity: 1 }] },
      400,
      'validation-error',
    ],
    ['lower-case country', { destination: { country: 'de' }, lines: [line] }, 400, 'validation-error'],
    ['alpha-3 country', { destination: { country: 'DEU' }, lines: [line] }, 400, 'validation-error'],
    ['no such country', { destination: { country: 'XX' }, lines: [line] }, 400, 'validation-error'],
    ['no destination', { lines: [line] }, 400, 'validation-error'],
    [
      'an unknown field',
      { destination: { country: 'DE' }, lines: [line], coupon: 'FREE' },
      400,
      'validation-error',
    ],
    [
      'an unknown product',
      { destination: { country: 'DE' }, lines: [line, { productId: uuidv7(), quantity: 1 }] },
      422,
      'unknown-product',
    ],
    [
      'an inactive product',
      { destination: { country: 'DE' }, lines: [{ productId: inactive.productId, quantity: 1 }] },
      422,
      'product-inactive',
    ],
    [
      'a product in another currency',
      { destination: { country: 'DE' }, lines: [line, { productId: dollars.productId, quantity: 1 }] },
      422,
      'currency-not-supported',
    ],
  ];
  for (const [name, body, status, slug] of cases) {
    const res = await rates(s, body);
    t.equal(res.statusCode, status, name);
    t.equal(res.headers['content-type'], PROBLEM, `${name}: problem+json`);
    t.equal(res.json().type, `${PROBLEMS}${slug}`, `${name}: ${slug}`);
  }

  const unknownId = uuidv7();
  const unknown = await rates(s, {
    destination: { country: 'DE' },
    lines: [line, { productId: unknownId, quantity: 2 }],
  });
  t.match(
    unknown.json(),
    {
      status: 422,
      productIds: [unknownId],
      errors: [{ path: 'body/lines/1/productId' }],
    },
    'the unknown line is named',
  );
  t.match(unknown.json().detail, unknownId);
  t.equal(await countQuotes(s), before, 'no refused request stored a quote');
});
