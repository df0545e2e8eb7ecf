import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3004 }),
  /** The PostgreSQL schema this service owns; tests pass an isolated one. */
  DATABASE_SCHEMA: Type.String({ minLength: 1, default: 'cart' }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  /** Checkout places the order here (POST /orders), as the customer. */
  ORDERS_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3005' }),
  /**
   * Deadline of one attempt at POST /orders. The cart row stays locked while checkout waits, so a
   * second checkout of the same cart waits at most (ORDERS_RETRIES + 1) × this.
   */
  ORDERS_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
  /** Further attempts at POST /orders after no answer (safe: each carries the same Idempotency-Key). */
  ORDERS_RETRIES: Type.Integer({ minimum: 0, maximum: 5, default: 1 }),
  /** Only for a product the read model does not know yet (created a moment ago): GET /products/{id}. */
  CATALOG_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3002' }),
  CATALOG_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 2_000 }),
  /** Lines one cart may hold (like an order's 100 lines); one more is 422 cart-too-many-lines. */
  CART_MAX_LINES: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  /** A line's quantity at most (like an order line's); more is 422 cart-line-quantity-too-large. */
  CART_MAX_LINE_QUANTITY: Type.Integer({ minimum: 1, maximum: 10_000, default: 10_000 }),
  /** The currency an empty cart's total is shown in (a cart takes its first line's currency). */
  CART_DEFAULT_CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'EUR' }),
  /** A guest cart is forgotten this long after its last change (its token is refused from then on). */
  GUEST_CART_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 365, default: 720 }),
  /** How often each replica deletes expired guest carts and Idempotency-Key records. */
  CART_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 10, default: 60_000 }),
  /** How long a checkout's Idempotency-Key is remembered (at least). */
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ minimum: 1, default: 24 }),
});
export type Config = Static<typeof configSchema>;
