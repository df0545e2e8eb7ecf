import { HttpProblem } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import { countProducts } from '../persistence/products.ts';
import { demoCategories, demoProducts } from '../seed-data.ts';
import { createCategory } from './categories.ts';
import type { CatalogDeps } from './common.ts';
import { createProduct } from './create-product.ts';

/** A name or slug another replica inserted first. */
const isDuplicate = (err: unknown) => err instanceof HttpProblem && err.status === 409;

/**
 * Seeds the demo catalog through the ordinary write path, so every product's product.created event
 * reaches the other services (orders' price read model). Only into an empty catalog; a replica that
 * loses the race on a name simply skips that product.
 */
export async function seedDemoCatalog(deps: CatalogDeps, log: Logger): Promise<number> {
  if ((await countProducts(deps.orm.em.fork())) > 0) return 0;
  for (const category of demoCategories) {
    await createCategory(deps, category).catch((err) => {
      if (!isDuplicate(err)) throw err;
    });
  }
  let created = 0;
  for (const product of demoProducts) {
    try {
      await createProduct(deps, product);
      created++;
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
  }
  log.info({ created }, 'seeded the demo catalog');
  return created;
}
