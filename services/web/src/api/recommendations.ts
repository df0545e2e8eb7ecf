// Recommended books for the pages: the recommendations service's answers, typed from @mercato/sdk
// (generated from the gateway's OpenAPI, so an answer that changes shape fails `tsc` here), turned
// into book cards. An answer names a product, its category and its price (null when the service never
// heard of one) — not whether it is in stock: that is catalog's to say, so each recommended book's
// current price and availability are read from catalog.
// Recommendations are a bonus: when the service does not answer, the page simply shows none.
import type { operations } from '@mercato/sdk';
import type { FastifyRequest } from 'fastify';
import { type BookCard, cardOf, type RelatedBooks } from '../views/shop.ts';
import { isClientProblem, unwrap } from './client.ts';

/** One item of every recommendations answer (popular, for a product, for the customer). */
export type Recommendation =
  operations['getRecommendationsPopular']['responses'][200]['content']['application/json']['items'][number];
export type CatalogProduct = operations['getProductsById']['responses'][200]['content']['application/json'];

/**
 * Catalog's word on each recommended product: the product; null when catalog no longer has it (404);
 * undefined when it could not be asked (it did not answer).
 */
export type CatalogFacts = ReadonlyMap<string, CatalogProduct | null | undefined>;

/** How many books a shelf of recommendations shows (each costs one catalog read). */
export const SHELF_SIZE = 4;

/**
 * Cards for recommended books, in the answer's order: catalog's name, price and availability when
 * catalog answered, else the recommendation's own name and price. A product catalog no longer has,
 * or no longer sells, is left out.
 */
export function recommendedCards(items: readonly Recommendation[], catalog: CatalogFacts): BookCard[] {
  const cards: BookCard[] = [];
  for (const item of items) {
    const product = catalog.get(item.productId);
    if (product === null || product?.active === false) continue;
    cards.push(product ? cardOf(product) : { id: item.productId, name: item.name, price: item.price });
  }
  return cards;
}

async function catalogFacts(request: FastifyRequest, ids: readonly string[]): Promise<CatalogFacts> {
  const facts = new Map<string, CatalogProduct | null | undefined>();
  await Promise.all(
    [...new Set(ids)].map(async (id) => {
      try {
        facts.set(id, await unwrap(request.mercato.api.GET('/products/{id}', { params: { path: { id } } })));
      } catch (err) {
        facts.set(id, isClientProblem(err, 404) ? null : undefined);
        if (!isClientProblem(err, 404)) request.log.debug({ err, id }, 'catalog did not say');
      }
    }),
  );
  return facts;
}

/** The answer's items, or none when the service does not answer (down, rate-limited, not deployed). */
async function ask(
  request: FastifyRequest,
  what: string,
  call: () => Promise<readonly Recommendation[]>,
): Promise<readonly Recommendation[]> {
  try {
    return await call();
  } catch (err) {
    request.log.debug({ err, what }, 'no recommendations');
    return [];
  }
}

/** Popular lately, the best of each category first (anyone). */
export async function popularBooks(request: FastifyRequest): Promise<BookCard[]> {
  const items = await ask(request, 'popular', async () => {
    const answer = await unwrap(
      request.mercato.api.GET('/recommendations/popular', { params: { query: { limit: SHELF_SIZE } } }),
    );
    return answer.items;
  });
  return recommendedCards(
    items,
    await catalogFacts(
      request,
      items.map((i) => i.productId),
    ),
  );
}

/**
 * For the signed-in customer, from their purchases and views. None while the service knows nothing of
 * them: it would answer the popular books, which the home page shows already.
 */
export async function booksForCustomer(request: FastifyRequest): Promise<BookCard[]> {
  const items = await ask(request, 'for the customer', async () => {
    const answer = await unwrap(
      request.mercato.api.GET('/recommendations/me', { params: { query: { limit: SHELF_SIZE } } }),
    );
    return answer.personalised ? answer.items : [];
  });
  return recommendedCards(
    items,
    await catalogFacts(
      request,
      items.map((i) => i.productId),
    ),
  );
}

/** Bought together with a book; then what the service fills the list up with (viewed together, popular in its category). */
export async function relatedBooks(request: FastifyRequest, productId: string): Promise<RelatedBooks> {
  const items = await ask(request, 'related', async () => {
    const answer = await unwrap(
      request.mercato.api.GET('/recommendations/products/{id}', {
        params: { path: { id: productId }, query: { limit: SHELF_SIZE } },
      }),
    );
    return answer.items;
  });
  const facts = await catalogFacts(
    request,
    items.map((i) => i.productId),
  );
  return {
    together: recommendedCards(
      items.filter((i) => i.reason === 'bought_together'),
      facts,
    ),
    more: recommendedCards(
      items.filter((i) => i.reason !== 'bought_together'),
      facts,
    ),
  };
}
