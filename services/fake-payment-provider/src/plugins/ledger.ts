import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Ledger } from '../domain/ledger.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The fake provider's in-memory charges, refunds and idempotent outcomes. */
    providerLedger: Ledger;
  }
}

/** One ledger per app: each buildApp (each test) starts with empty books. */
export default fp(
  async (app: FastifyInstance) => {
    app.decorate('providerLedger', new Ledger());
  },
  { name: 'provider-ledger' },
);
