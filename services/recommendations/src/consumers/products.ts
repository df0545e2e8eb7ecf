// Catalog's products: name, category, price, active (queue <exchange>.recommendations.products).
import type { ProductDeleted, ProductSnapshot } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { recordProduct, recordProductDeleted } from '../use-cases/read-models.ts';

export const productHandlers: {
  'product.created': EventHandler<ProductSnapshot, 'product.created'>;
  'product.updated': EventHandler<ProductSnapshot, 'product.updated'>;
  'product.deleted': EventHandler<ProductDeleted, 'product.deleted'>;
} = {
  'product.created': (event, em) => recordProduct(em, event.data),
  'product.updated': (event, em) => recordProduct(em, event.data),
  'product.deleted': (event, em) => recordProductDeleted(em, event.data),
};
