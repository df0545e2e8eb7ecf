import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ParcelBook } from '../domain/parcels.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The fake carrier's in-memory parcels and tracking events. */
    parcelBook: ParcelBook;
  }
}

/** One book per app: each buildApp (each test) starts with no parcels. */
export default fp(
  async (app: FastifyInstance) => {
    app.decorate('parcelBook', new ParcelBook());
  },
  { name: 'parcel-book' },
);
