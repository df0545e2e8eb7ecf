import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const base = baseConfigSchema.properties;

/** The mail catcher needs no database, broker or Redis: where to listen (web and SMTP), how much to keep. */
export const configSchema = Type.Object({
  HOST: base.HOST,
  /** the web inbox and the JSON API */
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 1080 }),
  /** where it accepts mail over SMTP (plain, any or no AUTH accepted) */
  SMTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 1025 }),
  /** the newest messages kept in memory; older ones are forgotten */
  MAX_MESSAGES: Type.Integer({ minimum: 1, maximum: 100_000, default: 500 }),
  LOG_LEVEL: base.LOG_LEVEL,
});
export type Config = Static<typeof configSchema>;
