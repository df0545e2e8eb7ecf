// What the routes share: the ORM, Redis, the token machinery and the service's configuration, as
// decorators on the app (set once in buildApp).
import type { MikroORM } from '@mercato/db';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { SigningKey } from '../keys.ts';
import type { LoginThrottle } from '../login-throttle.ts';
import type { Sessions } from '../sessions.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    orm: MikroORM;
    redis: Redis;
    signingKey: SigningKey;
    sessions: Sessions;
    loginThrottle: LoginThrottle;
  }
}
