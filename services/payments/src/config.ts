import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3006 }),
  /** The PostgreSQL schema this service owns; tests pass an isolated one. */
  DATABASE_SCHEMA: Type.String({ minLength: 1, default: 'payments' }),
  PAYMENT_PROVIDER_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3099' }),
  /** One provider call gives up after this long (and counts as "provider unavailable"). */
  PAYMENT_PROVIDER_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Provider calls for one charge (timeouts and 5xx retried with the same key) before payment.failed. */
  PAYMENT_PROVIDER_MAX_TRIES: Type.Integer({ minimum: 1, default: 3 }),
  /** Provider calls for one refund before it is given up (and logged as an error). */
  REFUND_MAX_TRIES: Type.Integer({ minimum: 1, default: 10 }),
  /** First backoff after a timeout or 5xx; doubles with every try. */
  PAYMENT_RETRY_BASE_MS: Type.Integer({ minimum: 1, default: 2_000 }),
  /** How often the provider worker looks for due charges and refunds (it is also woken on new work). */
  PAYMENT_WORKER_POLL_MS: Type.Integer({ minimum: 10, default: 1_000 }),
  /** Delays of the consumers' retry queues, comma-separated milliseconds. */
  CONSUMER_RETRY_DELAYS_MS: Type.String({ pattern: '^\\d+(,\\d+)*$', default: '1000,5000,30000' }),
  /**
   * How long an Idempotency-Key of POST /payments (and of refunds) is remembered (at least). Older
   * records are deleted by a periodic job; the same key is then a new request.
   */
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ minimum: 1, default: 24 }),
});
export type Config = Static<typeof configSchema>;
