import type { FastifyBaseLogger } from 'fastify';
import type { CatalogStore } from './catalog-store.ts';
import { DuplicateError } from './domain/errors.ts';
import { demoCategories, demoProducts } from './seed-data.ts';

/**
 * Seeds the demo catalog through the ordinary write path, so every product's product.created event
 * reaches the other services (orders' price read model). Only into an empty catalog; a replica that
 * loses the race on a name simply skips that product.
 */
export async function seedCatalog(store: CatalogStore, log: FastifyBaseLogger): Promise<number> {
  if (!(await store.isEmpty())) return 0;
  for (const category of demoCategories) {
    await store.createCategory(category).catch((err) => {
      if (!(err instanceof DuplicateError)) throw err;
    });
  }
  let created = 0;
  for (const product of demoProducts) {
    try {
      await store.createProduct(product);
      created++;
    } catch (err) {
      if (!(err instanceof DuplicateError)) throw err;
    }
  }
  log.info({ created }, 'seeded the demo catalog');
  return created;
}
