// Keeps the local read model of catalog prices (see persistence/product-prices.ts).
import type { ProductDeleted, ProductSnapshot } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { tombstoneProduct, upsertProductPrice } from '../persistence/product-prices.ts';

export const productPriceHandlers: {
  'product.created': EventHandler<ProductSnapshot, 'product.created'>;
  'product.updated': EventHandler<ProductSnapshot, 'product.updated'>;
  'product.deleted': EventHandler<ProductDeleted, 'product.deleted'>;
} = {
  'product.created': (event, em) => upsertProductPrice(em, event.data),
  'product.updated': (event, em) => upsertProductPrice(em, event.data),
  'product.deleted': (event, em) => tombstoneProduct(em, event.data),
};
