// Recommended books on the pages, at the storefront's level (real Redis for the sessions; an API stand-in
// that answers with the recommendations service's and catalog's real shapes, typed from @mercato/sdk so
// it cannot drift from them). The whole shop in a browser, learning from real orders, is
// test/browser/storefront.test.ts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@mercato/kit';
import { TEST_REDIS_URL, uniqueName } from '@mercato/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import { type CatalogProduct, type Recommendation, recommendedCards } from '../src/api/recommendations.ts';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

const id = (n: number) => `0193a1b2-0000-7000-8000-${String(n).padStart(12, '0')}`;
const HOBBIT = id(1);
const SILMARILLION = id(2);
const GONE = id(3); // catalog: 404
const UNSAID = id(4); // catalog: 500
const RETIRED = id(5); // catalog: inactive

function product(
  pid: string,
  name: string,
  amount: string,
  over: Partial<CatalogProduct> = {},
): CatalogProduct {
  return {
    id: pid,
    name,
    description: `About ${name}`,
    category: 'fantasy',
    price: { amount, currency: 'EUR' },
    attributes: { author: 'J. R. R. Tolkien' },
    active: true,
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    version: 1,
    availability: { status: 'in_stock' },
    ...over,
  };
}
const CATALOG: Record<string, CatalogProduct> = {
  [HOBBIT]: product(HOBBIT, 'The Hobbit', '12.99'),
  [SILMARILLION]: product(SILMARILLION, 'The Silmarillion', '9.99', { availability: { status: 'low' } }),
  [RETIRED]: product(RETIRED, 'Retired Book', '5.00', { active: false }),
};
function recommended(
  pid: string,
  name: string,
  reason: Recommendation['reason'],
  amount?: string,
): Recommendation {
  return {
    productId: pid,
    name,
    category: 'fantasy',
    price: amount ? { amount, currency: 'EUR' } : null,
    score: 0.5,
    reason,
  };
}
const POPULAR: Recommendation[] = [
  recommended(HOBBIT, 'The Hobbit', 'popular_in_category', '12.99'),
  // The answer's price is older than catalog's: the card shows catalog's.
  recommended(SILMARILLION, 'The Silmarillion', 'popular_in_category', '8.00'),
  recommended(GONE, 'Gone Book', 'popular_in_category', '3.00'),
  recommended(UNSAID, 'Unsaid Book', 'popular_in_category', '7.50'),
  recommended(RETIRED, 'Retired Book', 'popular_in_category', '5.00'),
];
const WITH_HOBBIT: Recommendation[] = [
  recommended(SILMARILLION, 'The Silmarillion', 'bought_together', '9.99'),
  recommended(UNSAID, 'Unsaid Book', 'popular_in_category'),
];

// The API as the storefront sees it through the gateway: the routes these pages call.
const api = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://api');
  const send = (status: number, body: unknown) => {
    res.writeHead(status, {
      'content-type': status < 400 ? 'application/json' : 'application/problem+json',
    });
    res.end(JSON.stringify(body));
  };
  const problem = (status: number) => send(status, { type: 'about:blank', title: 'x', status });
  const p = url.pathname;
  if (p === '/products') return send(200, { items: Object.values(CATALOG), page: 1, pageSize: 12, total: 3 });
  if (p === '/recommendations/popular') return send(200, { category: null, items: POPULAR });
  if (p === `/recommendations/products/${HOBBIT}`)
    return send(200, { productId: HOBBIT, items: WITH_HOBBIT });
  if (p.startsWith('/recommendations/')) return problem(503); // the service is down
  const m = /^\/products\/([0-9a-f-]{36})$/.exec(p);
  if (m) {
    const found = CATALOG[m[1] as string];
    if (found) return send(200, found);
    return problem(m[1] === UNSAID ? 500 : 404);
  }
  problem(404);
});
await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => api.close(() => resolve())));

const prefix = `${uniqueName('webrec')}:sess:`;
const app = await buildApp(
  loadConfig(configSchema, {
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    API_TIMEOUT_MS: '2000',
    SESSION_REDIS_PREFIX: prefix,
    SESSION_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
  }),
);
t.teardown(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await app.close();
});

/** The markup of one titled section (empty when the page has none). */
function section(body: string, headingId: string): string {
  const start = body.indexOf(`<section aria-labelledby="${headingId}">`);
  return start < 0 ? '' : body.slice(start, body.indexOf('</section>', start));
}

t.test('a recommendation becomes a card with catalog’s price and availability', async (t) => {
  const facts = new Map<string, CatalogProduct | null | undefined>([
    [HOBBIT, CATALOG[HOBBIT]],
    [SILMARILLION, CATALOG[SILMARILLION]],
    [GONE, null],
    [UNSAID, undefined],
    [RETIRED, CATALOG[RETIRED]],
  ]);
  t.same(recommendedCards(POPULAR, facts), [
    {
      id: HOBBIT,
      name: 'The Hobbit',
      author: 'J. R. R. Tolkien',
      price: { amount: '12.99', currency: 'EUR' },
      availability: { status: 'in_stock' },
    },
    {
      id: SILMARILLION,
      name: 'The Silmarillion',
      author: 'J. R. R. Tolkien',
      price: { amount: '9.99', currency: 'EUR' },
      availability: { status: 'low' },
    },
    // catalog did not answer: the recommendation's own name and price, no availability
    { id: UNSAID, name: 'Unsaid Book', price: { amount: '7.50', currency: 'EUR' } },
  ]);
  t.same(
    recommendedCards([recommended(UNSAID, 'Unsaid Book', 'viewed_together')], new Map()),
    [{ id: UNSAID, name: 'Unsaid Book', price: null }],
    'a price the service does not know stays unknown',
  );
});

t.test(
  'the home page shows popular books, each linking to its page with price and availability',
  async (t) => {
    const res = await app.inject({ method: 'GET', url: '/' });
    t.equal(res.statusCode, 200);
    const popular = section(res.body, 'popular-h');
    t.match(popular, '<h2 id="popular-h">Popular books</h2>');
    t.match(popular, `<a href="/books/${HOBBIT}">The Hobbit</a>`);
    t.match(
      popular,
      /The Hobbit<\/a><\/h3>\s*<p class="author">by J. R. R. Tolkien<\/p>\s*<p class="price">€12\.99<\/p>\s*<p class="availability in_stock">In stock<\/p>/,
    );
    t.match(
      popular,
      /The Silmarillion<\/a><\/h3>[\s\S]*?€9\.99[\s\S]*?Only a few left/,
      'catalog’s price, not the answer’s',
    );
    t.notMatch(popular, '€8.00');
    t.match(
      popular,
      /Unsaid Book<\/a><\/h3>\s*<p class="price">€7\.50<\/p>\s*<\/li>/,
      'no availability when catalog did not say',
    );
    t.notMatch(popular, 'Gone Book', 'catalog no longer has it');
    t.notMatch(popular, 'Retired Book', 'catalog no longer sells it');
    t.equal(section(res.body, 'rec-h'), '', 'a guest gets no "for you" shelf');
    t.match(section(res.body, 'books-h'), `<a href="/books/${SILMARILLION}">`, "catalog's list too");
  },
);

t.test('the product page shows what was bought together, then what else', async (t) => {
  const res = await app.inject({ method: 'GET', url: `/books/${HOBBIT}` });
  t.equal(res.statusCode, 200);
  const together = section(res.body, 'together-h');
  t.match(together, '<h2 id="together-h">Bought together</h2>');
  t.match(together, `<a href="/books/${SILMARILLION}">The Silmarillion</a>`);
  t.match(together, /€9\.99[\s\S]*Only a few left/);
  t.notMatch(together, 'Unsaid Book', 'only products bought together');
  t.match(section(res.body, 'more-h'), `<a href="/books/${UNSAID}">Unsaid Book</a>`);
});

t.test('without the recommendations service the page is whole, with no shelf', async (t) => {
  const res = await app.inject({ method: 'GET', url: `/books/${SILMARILLION}` });
  t.equal(res.statusCode, 200);
  t.match(res.body, '<h1>The Silmarillion</h1>');
  t.equal(section(res.body, 'together-h'), '');
  t.equal(section(res.body, 'more-h'), '');
});
