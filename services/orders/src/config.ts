import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3005 }),
  /** The PostgreSQL schema this service owns; tests pass an isolated one. */
  DATABASE_SCHEMA: Type.String({ minLength: 1, default: 'orders' }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  /** An order still PENDING this long after it was placed is cancelled (reason timeout). */
  ORDER_PENDING_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 15 * 60_000 }),
  /** How often each replica looks for timed-out orders. */
  ORDER_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 10, default: 30_000 }),
  /**
   * After a declined payment the order stays PENDING this long so the customer can pay again
   * (POST /payments); the sweeper then cancels it (reason payment_failed). 0: a failed payment
   * cancels the order at once. The overall ORDER_PENDING_TIMEOUT_MS still applies.
   */
  PAYMENT_RETRY_WINDOW_MS: Type.Integer({ minimum: 0, default: 10 * 60_000 }),
  /**
   * The units (sum of the line quantities) one order may hold: a bigger order is refused with 422
   * (order-too-many-units) before anything is reserved, so one request cannot lock up a product's
   * whole stock. Each line is also at most 10,000.
   */
  ORDER_MAX_UNITS: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
  /**
   * How long an Idempotency-Key of POST /orders is remembered (at least). Older records are deleted by
   * the sweeper (every ORDER_SWEEP_INTERVAL_MS); the same key is then a new request.
   */
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ minimum: 1, default: 24 }),
  /**
   * identity's base URL: POST /orders reads the shipping address there (GET /addresses/{id}, as the
   * caller) to check it is the customer's and to snapshot it on the order.
   */
  IDENTITY_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3001' }),
  /** The deadline of one address read from identity; past it (after one retry) POST /orders is 503. */
  IDENTITY_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2000 }),
  /**
   * shipping's base URL: a POST /orders (or a line change) that names a shipping option reads its
   * quote there (GET /shippings/quotes/{id}) to charge the quoted price. Orders without one never ask.
   */
  SHIPPING_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3009' }),
  /** The deadline of one quote read from shipping; past it (after one retry) the request is 503. */
  SHIPPING_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2000 }),
});
export type Config = Static<typeof configSchema>;
