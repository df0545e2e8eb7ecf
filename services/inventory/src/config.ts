import { baseConfigSchema, loadConfig } from '@mercato/kit';
import { type Static, Type } from 'typebox';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  SERVICE_NAME: Type.String({ minLength: 1, default: 'inventory' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003 }),
  /** the PostgreSQL schema this service owns; tests pass an isolated one */
  DATABASE_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'inventory' }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  /** how long GET /stocks/{productId} may be answered from Redis (writes invalidate it sooner) */
  STOCK_CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 300, default: 5 }),
  /**
   * stock.levels_changed is written this long (at most) after the stock changes, one event for every
   * product changed meanwhile (not one per sale: catalog and cart would pay a transaction each).
   * Measured with bench:orders (20 hot products): 200 ms cost ~10 % of confirmed orders/s, 1 s
   * next to nothing; a shop page showing availability a second late is fine (reserving checks).
   */
  LEVELS_PUBLISH_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 10_000, default: 1000 }),
  /** how often every level not yet announced is looked for (one a replica changed before it stopped) */
  LEVELS_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: 30_000 }),
  /** messages one consumer works on at once */
  CONSUMER_PREFETCH: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
});
export type Config = Static<typeof configSchema>;

export const configFromEnv = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
