// Where an order's shipping option is read (app.shippingQuotes): shipping's API, synchronously, only
// for a request that names one — or the QuoteBook buildApp is given instead.
import { ServiceClient } from '@mercato/kit';
import fp from 'fastify-plugin';
import type { QuoteBook } from '../domain/shipping.ts';
import { shippingQuoteBook } from '../persistence/shipping-quotes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    shippingQuotes: QuoteBook;
  }
}

export default fp(
  async (app, opts: { book?: QuoteBook; shippingUrl: string; timeoutMs: number }) => {
    const book =
      opts.book ??
      shippingQuoteBook(
        // One retry, as for identity: the customer is waiting.
        new ServiceClient({
          service: 'shipping',
          baseUrl: opts.shippingUrl,
          timeoutMs: opts.timeoutMs,
          retries: 1,
        }),
      );
    app.decorate('shippingQuotes', book);
  },
  { name: 'orders-shipping-quotes' },
);
