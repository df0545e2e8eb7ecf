// A product the read model has not heard of — created before shipping subscribed to catalog's events
// (an upgrade, a restored backup), or created a moment ago with its event still on the way — is asked
// of catalog once and kept, as the cart does; so a quote never fails for a product that exists.
import type { ProductSnapshot } from '@mercato/contracts';
import type { MikroORM } from '@mercato/db';
import { HttpProblem, type ServiceClient } from '@mercato/kit';
import { productsOf, recordProduct } from '../persistence/products.ts';

/** Catalog is asked this many products at a time (a quote has at most 100 lines). */
const CONCURRENCY = 8;

interface CatalogProduct {
  id: string;
  name: string;
  price: { amount: string; currency: string };
  active: boolean;
  category?: string;
  attributes?: Record<string, unknown>;
  version: number;
}

const catalogAway = (status: number) =>
  new HttpProblem({
    status: 503,
    slug: 'upstream-unavailable',
    title: 'A service this request needs is unavailable',
    detail: `The catalog service answered ${status} for a product shipping has not heard of yet; try again shortly`,
    extensions: { service: 'catalog', retryAfter: 5 },
    headers: { 'retry-after': '5' },
  });

/** Only a positive whole number of grams is a weight (catalog validates it the same way). */
function weightOf(attributes: Record<string, unknown> | undefined): number | undefined {
  const w = attributes?.weightGrams;
  return typeof w === 'number' && Number.isSafeInteger(w) && w >= 1 ? w : undefined;
}

/**
 * Records in the read model every product of `productIds` it lacks and catalog knows. A product
 * catalog does not know (404) stays unknown: the quote then answers 422 unknown-product.
 */
export async function learnMissingProducts(
  orm: MikroORM,
  catalog: ServiceClient,
  productIds: readonly string[],
): Promise<void> {
  const known = await productsOf(orm.em.fork(), productIds);
  const missing = [...new Set(productIds)].filter((id) => !known.has(id));
  for (let i = 0; i < missing.length; i += CONCURRENCY) {
    await Promise.all(
      missing.slice(i, i + CONCURRENCY).map(async (productId) => {
        const res = await catalog.request<CatalogProduct>({ method: 'GET', path: `/products/${productId}` });
        if (res.status === 404) return;
        if (res.status !== 200) throw catalogAway(res.status);
        const weightGrams = weightOf(res.body.attributes);
        const snapshot: ProductSnapshot = {
          productId,
          name: res.body.name,
          price: res.body.price,
          active: res.body.active,
          version: res.body.version,
          ...(res.body.category ? { category: res.body.category } : {}),
          ...(weightGrams === undefined ? {} : { weightGrams }),
        };
        // The version check of recordProduct keeps a newer snapshot an event brought meanwhile.
        await orm.em.fork().transactional((em) => recordProduct(em, snapshot));
      }),
    );
  }
}
