// The addresses orders ships to, as routes' use cases read them (app.addressBook): identity's API by
// default, another AddressBook when buildApp is given one (tests use an in-memory book).
import { ServiceClient } from '@mercato/kit';
import fp from 'fastify-plugin';
import type { AddressBook } from '../domain/address.ts';
import { identityAddressBook } from '../persistence/address-book.ts';

declare module 'fastify' {
  interface FastifyInstance {
    addressBook: AddressBook;
  }
}

export default fp(
  async (app, opts: { book?: AddressBook; identityUrl: string; timeoutMs: number }) => {
    app.decorate(
      'addressBook',
      opts.book ??
        identityAddressBook(
          // One retry: the customer is waiting, and a GET that failed twice will hardly answer a third time.
          new ServiceClient({
            service: 'identity',
            baseUrl: opts.identityUrl,
            timeoutMs: opts.timeoutMs,
            retries: 1,
          }),
        ),
    );
  },
  { name: 'orders-address-book' },
);
