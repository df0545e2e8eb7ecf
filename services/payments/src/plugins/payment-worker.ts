// Hands the provider worker to the routes: POST /payments charges the attempt it records and waits
// for the outcome, a refund is sent to the provider before it is answered. app.ts creates the worker
// (it owns its start and stop); this only decorates the app with it.
import fp from 'fastify-plugin';
import type { ProviderWorker } from '../workers/provider-worker.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** payments' provider worker */
    paymentWorker: ProviderWorker;
  }
}

export default fp<{ worker: ProviderWorker }>(
  async (app, opts) => {
    app.decorate('paymentWorker', opts.worker);
  },
  { name: 'payment-worker' },
);
