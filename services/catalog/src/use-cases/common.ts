// What the catalog's use cases share: their dependencies, the product rules as a problem, and the
// write transaction. Every write commits its event (through the outbox) in the same transaction as
// the change, then invalidates the cache; reads try the cache, then PostgreSQL.
import type { ProductSnapshot } from '@mercato/contracts';
import type { EntityManager, MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import { type ProductInput, productRuleViolations, weightGramsOf } from '../domain/product-rules.ts';
import type { SearchLanguage } from '../domain/search.ts';
import type { Product } from '../persistence/entities.ts';
import type { ProductCache } from '../persistence/product-cache.ts';
import { writeFailure } from '../persistence/products.ts';

export interface CatalogDeps {
  orm: MikroORM;
  cache: ProductCache;
  /** product reads show the quantity available, not only the status (SHOW_STOCK_QUANTITY; default true) */
  showStockQuantity?: boolean;
  /** the catalog's text-search language (SEARCH_LANGUAGE; default english) */
  searchLanguage?: SearchLanguage;
}

/** The `source` of every event the catalog emits. */
export const SOURCE = 'catalog';

/** Called with the current version before a change; throws to refuse it (If-Match → 412). */
export type VersionCheck = (currentVersion: number) => void;

export function assertProductRules(input: Partial<ProductInput>): void {
  if (input.category === undefined || input.attributes === undefined) return;
  const violations = productRuleViolations({ category: input.category, attributes: input.attributes });
  if (violations.length > 0) throw problems.unprocessable(violations.join('; '), { violations });
}

/** One transaction; the database's own constraints refusing it become the caller's problem. */
export async function productTransaction<T>(
  deps: CatalogDeps,
  input: Partial<ProductInput>,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  try {
    return await deps.orm.em.fork().transactional(work);
  } catch (err) {
    throw writeFailure(err, input);
  }
}

/** The product as its product.created / product.updated event carries it. */
export function productSnapshot(product: Product): ProductSnapshot {
  const weightGrams = weightGramsOf(product.attributes);
  return {
    productId: product.id,
    name: product.name,
    price: { amount: product.price, currency: product.currency },
    active: product.active,
    category: product.category,
    // Shipping prices a parcel by it (absent: shipping's default weight).
    ...(weightGrams === undefined ? {} : { weightGrams }),
    version: product.version,
  };
}
