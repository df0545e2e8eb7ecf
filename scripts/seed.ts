// Seeds a demo catalog through the gateway, once: books (author, isbn), a store and stock for
// each. Skipped when the catalog already has products; a part whose service is not routed yet
// (404 from the gateway) is skipped with a note. Run alone: node --import tsx scripts/seed.ts
import { pathToFileURL } from 'node:url';

export interface SeedOptions {
  gatewayUrl: string;
  adminEmail: string;
  adminPassword: string;
  log: (line: string) => void;
}

const BOOKS = [
  {
    name: 'The Hobbit',
    author: 'J. R. R. Tolkien',
    isbn: '978-0-261-10221-7',
    amount: '12.99',
    weightGrams: 340,
  },
  { name: 'Dune', author: 'Frank Herbert', isbn: '978-0-441-17271-9', amount: '10.99', weightGrams: 420 },
  {
    name: 'Nineteen Eighty-Four',
    author: 'George Orwell',
    isbn: '978-0-451-52493-5',
    amount: '9.49',
    weightGrams: 290,
  },
  {
    name: 'Pride and Prejudice',
    author: 'Jane Austen',
    isbn: '978-0-14-143951-8',
    amount: '7.99',
    weightGrams: 310,
  },
  { name: 'Foundation', author: 'Isaac Asimov', isbn: '978-0-553-29335-7', amount: '8.99', weightGrams: 250 },
];

class NotRouted extends Error {}

export async function seedDemoCatalog(opts: SeedOptions): Promise<void> {
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(opts.gatewayUrl + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    // The gateway's own 404 (prefix not routed) has no upstream behind it to ask.
    if (res.status === 404 && json?.detail?.startsWith('No route for')) throw new NotRouted(path);
    return { status: res.status, json };
  };
  const expect = (what: string, res: { status: number; json: any }, ...ok: number[]) => {
    if (!ok.includes(res.status))
      throw new Error(
        `seed: ${what} answered ${res.status}: ${res.json?.detail ?? JSON.stringify(res.json)}`,
      );
    return res.json;
  };

  let existing: { status: number; json: any };
  try {
    existing = await call('GET', '/products?pageSize=1');
  } catch (err) {
    if (err instanceof NotRouted) return opts.log('seed: catalog is not running yet, nothing seeded');
    throw err;
  }
  if (expect('GET /products', existing, 200).total > 0)
    return opts.log(`seed: the catalog already has ${existing.json.total} products, left as it is`);

  const login = await call('POST', '/auth/login', { email: opts.adminEmail, password: opts.adminPassword });
  const token: string = expect(`admin login (${opts.adminEmail})`, login, 200).accessToken;

  expect(
    'POST /products/categories',
    await call('POST', '/products/categories', { slug: 'books', name: 'Books' }, token),
    201,
    409,
  );
  const products: { id: string; name: string }[] = [];
  for (const book of BOOKS) {
    const created = await call(
      'POST',
      '/products',
      {
        name: book.name,
        category: 'books',
        price: { amount: book.amount, currency: 'EUR' },
        // weightGrams: what shipping weighs the parcel by
        attributes: { author: book.author, isbn: book.isbn, weightGrams: book.weightGrams },
      },
      token,
    );
    products.push(expect(`POST /products (${book.name})`, created, 201));
  }
  opts.log(`seed: ${products.length} books created`);

  try {
    // The address is the sender on shipping labels.
    const storeBody = { code: 'BER-1', name: 'Berlin warehouse', address: 'Lagerstraße 1, 10115 Berlin, DE' };
    const createdStore = await call('POST', '/stores', storeBody, token);
    // 409: inventory kept its store from an earlier run while the catalog was emptied.
    const store =
      createdStore.status === 409
        ? expect('GET /stores', await call('GET', '/stores?pageSize=100', undefined, token), 200).items.find(
            (s: { code: string }) => s.code === storeBody.code,
          )
        : expect('POST /stores', createdStore, 201);
    for (const product of products) {
      expect(
        `POST /stocks (${product.name})`,
        await call(
          'POST',
          '/stocks',
          { productId: product.id, storeId: store.id, onHand: 25, lowStockThreshold: 3 },
          token,
        ),
        201,
      );
    }
    opts.log(`seed: store ${store.code} with 25 of each book`);
  } catch (err) {
    if (!(err instanceof NotRouted)) throw err;
    opts.log('seed: inventory is not running yet, no store or stock seeded');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await seedDemoCatalog({
    gatewayUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080',
    adminEmail: process.env.MERCATO_ADMIN_EMAIL ?? 'admin@mercato.local',
    adminPassword: process.env.MERCATO_ADMIN_PASSWORD ?? 'Mercato-Admin-2026!',
    log: console.log,
  });
}
