// The service's configuration, for the routes that read a setting (trusted proxy hops, the reset
// link's lifetime) and for the plugins that build services from it.
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    identityConfig: Config;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate('identityConfig', config);
  },
  { name: 'identity-config' },
);
