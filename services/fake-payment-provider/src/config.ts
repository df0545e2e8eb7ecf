import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const base = baseConfigSchema.properties;

/** The fake provider needs no database, broker or Redis: only where to listen. */
export const configSchema = Type.Object({
  HOST: base.HOST,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3099 }),
  LOG_LEVEL: base.LOG_LEVEL,
});
export type Config = Static<typeof configSchema>;
