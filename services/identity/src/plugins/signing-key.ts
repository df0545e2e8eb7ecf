// The key that signs access tokens (loaded before the app: auth verifies with its public half).
import fp from 'fastify-plugin';
import type { SigningKey } from '../domain/signing-key.ts';

declare module 'fastify' {
  interface FastifyInstance {
    signingKey: SigningKey;
  }
}

export default fp<{ key: SigningKey }>(
  async (app, { key }) => {
    app.decorate('signingKey', key);
  },
  { name: 'identity-signing-key' },
);
