// Where placement reads an address its event-fed copy has not heard of (app.addressBook): identity's
// API, synchronously, as the caller — or the AddressBook buildApp is given instead (tests use an
// in-memory one). The copy itself is read with the prices (persistence/placement-reads.ts).
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
    const onMiss: AddressBook =
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
    app.decorate('addressBook', onMiss);
  },
  { name: 'orders-address-book' },
);
