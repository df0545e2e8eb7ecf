import { type Static, Type } from 'typebox';

/** The fake provider needs no database, broker or Redis: only where to listen. */
export const configSchema = Type.Object({
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3099 }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
});
export type Config = Static<typeof configSchema>;
