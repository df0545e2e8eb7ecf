// The password-reset worker (workers/password-reset-requests.ts), for the route that queues a request
// to wake it once the request is stored.
import fp from 'fastify-plugin';

export interface PasswordResetWorker {
  /** A request was queued (and committed): take it now instead of on the next poll. */
  wake(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    passwordResetWorker: PasswordResetWorker;
  }
}

export default fp<{ worker: PasswordResetWorker }>(
  async (app, { worker }) => {
    app.decorate('passwordResetWorker', worker);
  },
  { name: 'password-reset-worker' },
);
