import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3007 }),
  /** The PostgreSQL schema this service owns; tests pass an isolated one. */
  DATABASE_SCHEMA: Type.String({ minLength: 1, default: 'invoices' }),
  /** The seller's name printed at the top of every invoice and credit note PDF. */
  INVOICE_ISSUER_NAME: Type.String({ minLength: 1, default: 'Mercato' }),
  /** Delays of the consumers' retry queues, comma-separated milliseconds. */
  CONSUMER_RETRY_DELAYS_MS: Type.String({ pattern: '^\\d+(,\\d+)*$', default: '1000,5000,30000' }),
});
export type Config = Static<typeof configSchema>;
