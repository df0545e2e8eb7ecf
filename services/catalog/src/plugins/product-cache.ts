// app.productCache: Redis in front of the product reads (persistence/product-cache.ts), on the
// builder's Redis client.
import fp from 'fastify-plugin';
import { ProductCache } from '../persistence/product-cache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    productCache: ProductCache;
  }
}

export interface ProductCacheSettings {
  /** key prefix; the service's schema, so tests with their own schema never share entries */
  namespace: string;
  ttlSeconds: number;
}

export default fp<ProductCacheSettings>(
  async (app, { namespace, ttlSeconds }) => {
    app.decorate(
      'productCache',
      new ProductCache({ redis: app.redis, namespace, ttlSeconds, logger: app.log }),
    );
  },
  { name: 'product-cache' },
);
