import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3010 }),
  /** The PostgreSQL schema this service owns; tests pass an isolated one. */
  DATABASE_SCHEMA: Type.String({ minLength: 1, default: 'recommendations' }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  /** Co-purchases and co-views count half after this many days (time decay of "bought together"). */
  CO_PURCHASE_HALF_LIFE_DAYS: Type.Number({ minimum: 1, maximum: 3650, default: 90 }),
  /** Popularity counts half after this many days: the "recent window" of popular items. */
  POPULAR_HALF_LIFE_DAYS: Type.Number({ minimum: 1, maximum: 365, default: 7 }),
  /** Pairs bought together fewer times are not shown as bought together. */
  MIN_CO_PURCHASES: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
  /** Views of one customer this close together are "viewed together". */
  VIEW_SESSION_MINUTES: Type.Integer({ minimum: 1, maximum: 24 * 60, default: 30 }),
  /** Latest viewed products kept per customer. */
  RECENT_VIEWS_KEPT: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
  /** Events (views, add-to-cart) one customer may send per minute; more is 429. */
  VIEW_EVENTS_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 100_000, default: 300 }),
});
export type Config = Static<typeof configSchema>;
