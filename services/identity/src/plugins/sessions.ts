// Issuing, rotating and revoking logins (tokens signed with app.signingKey, the deny-list in app.redis).
import fp from 'fastify-plugin';
import { Sessions } from '../use-cases/sessions.ts';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: Sessions;
  }
}

export default fp(
  async (app) => {
    const config = app.identityConfig;
    app.decorate(
      'sessions',
      new Sessions({
        redis: app.redis,
        key: app.signingKey,
        accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
        refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
        log: app.log,
      }),
    );
  },
  { name: 'identity-sessions', dependencies: ['identity-config', 'identity-signing-key'] },
);
