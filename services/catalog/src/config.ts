import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';
import { SEARCH_LANGUAGES } from './domain/search.ts';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002 }),
  /** PostgreSQL schema the service owns; tests pass an isolated one */
  DATABASE_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'catalog' }),
  /** how long a cached product or search page may be served (writes invalidate it sooner) */
  CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  /** insert the demo catalog (src/seed-data.ts) on start when the catalog is empty */
  SEED_DEMO_CATALOG: Type.Boolean({ default: false }),
  /** product reads show how many units are available, not only in stock / low / out of stock */
  SHOW_STOCK_QUANTITY: Type.Boolean({ default: true }),
  /** the catalog's language for search: stemming and stop words (PostgreSQL text-search configuration) */
  SEARCH_LANGUAGE: Type.Optional(Type.Enum([...SEARCH_LANGUAGES], { default: 'english' })),
});
export type Config = Static<typeof configSchema>;
