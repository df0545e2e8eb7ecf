// Catalog's products, as the cart prices and flags its lines by (queue <exchange>.cart.products).
import type { ProductDeleted, ProductSnapshot } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { recordProduct, recordProductDeleted } from '../use-cases/read-models.ts';

export const productHandlers: {
  'product.created': EventHandler<ProductSnapshot, 'product.created'>;
  'product.updated': EventHandler<ProductSnapshot, 'product.updated'>;
  'product.deleted': EventHandler<ProductDeleted, 'product.deleted'>;
} = {
  'product.created': async (event, em) => {
    await recordProduct(em, event.data);
  },
  'product.updated': async (event, em) => {
    await recordProduct(em, event.data);
  },
  'product.deleted': (event, em) => recordProductDeleted(em, event.data),
};
