// The addresses orders ships to, as routes' use cases read them (app.addressBook): the event-fed copy
// first, and on a miss the synchronous read of identity's API, or of the AddressBook buildApp is
// given instead (tests use an in-memory one).
import { ServiceClient } from '@mercato/kit';
import fp from 'fastify-plugin';
import type { AddressBook } from '../domain/address.ts';
import { identityAddressBook } from '../persistence/address-book.ts';
import { copiedAddressBook } from '../persistence/address-copy.ts';

declare module 'fastify' {
  interface FastifyInstance {
    addressBook: AddressBook;
  }
}

export default fp(
  async (app, opts: { book?: AddressBook; identityUrl: string; timeoutMs: number }) => {
    const onMiss =
      opts.book ??
      identityAddressBook(
        // One retry: the customer is waiting, and a GET that failed twice will hardly answer a third time.
        new ServiceClient({
          service: 'identity',
          baseUrl: opts.identityUrl,
          timeoutMs: opts.timeoutMs,
          retries: 1,
        }),
      );
    app.decorate('addressBook', copiedAddressBook(app.orm, onMiss));
  },
  { name: 'orders-address-book' },
);
