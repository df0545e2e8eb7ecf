// Failed-login counters per (account, client) and per client (in app.redis), with the configured policy.
import fp from 'fastify-plugin';
import { LoginThrottle } from '../persistence/login-throttle.ts';

declare module 'fastify' {
  interface FastifyInstance {
    loginThrottle: LoginThrottle;
  }
}

export default fp(
  async (app) => {
    const config = app.identityConfig;
    const account = {
      slowdownAfter: config.LOGIN_SLOWDOWN_AFTER,
      lockAfter: config.LOGIN_LOCK_AFTER,
      slowdownBaseMs: config.LOGIN_SLOWDOWN_BASE_MS,
      lockMs: config.LOGIN_LOCK_SECONDS * 1000,
    };
    // Per client across accounts the thresholds are higher: one address may be a whole office.
    const ip = {
      ...account,
      slowdownAfter: account.slowdownAfter * config.LOGIN_IP_FACTOR,
      lockAfter: account.lockAfter * config.LOGIN_IP_FACTOR,
    };
    app.decorate(
      'loginThrottle',
      new LoginThrottle(
        app.redis,
        { account, ip },
        config.LOGIN_WINDOW_SECONDS,
        app.log,
        config.DATABASE_SCHEMA,
      ),
    );
  },
  { name: 'identity-login-throttle', dependencies: ['identity-config'] },
);
