import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3009 }),
  /** The PostgreSQL schema this service owns; tests pass an isolated one. */
  DATABASE_SCHEMA: Type.String({ minLength: 1, default: 'shipping' }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  /** Delays of a consumer's retries (an order confirmed before its allocation arrived comes back later). */
  CONSUMER_RETRY_DELAYS_MS: Type.String({ pattern: '^\\d+(,\\d+)*$', default: '1000,5000,30000,120000' }),

  // --- Rates and quotes ---
  /** The currency of the rate table and of every quote (an order in another currency cannot use them). */
  SHIPPING_CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'EUR' }),
  /**
   * Lines worth at least this much (in SHIPPING_CURRENCY) ship at standard level for free; 'none' turns
   * it off ('' too, where a config is built in code: an empty environment variable counts as unset).
   */
  FREE_SHIPPING_THRESHOLD: Type.String({ pattern: '^(none|\\d{1,12}(\\.\\d{1,4})?)?$', default: '50.00' }),
  /** The weight of a product whose catalog entry has no `weightGrams` attribute. */
  DEFAULT_WEIGHT_GRAMS: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 500 }),
  /** How long a quote's prices are honoured by POST /orders. */
  QUOTE_TTL_MINUTES: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60, default: 60 }),
  /**
   * How long an expired quote can still be read (orders then answers "expired" rather than "unknown");
   * a sweep on every replica deletes older ones.
   */
  QUOTE_RETENTION_HOURS: Type.Integer({ minimum: 0, maximum: 24 * 365, default: 24 }),
  /**
   * The rate table stored on the very first start, when the database has none yet; '' is the bundled
   * services/shipping/data/rate-table.json (EUR). Afterwards the table changes only by PUT /shippings/rate-table.
   */
  RATE_TABLE_FILE: Type.String({ default: '' }),

  /** Asked only for a product the read model has not heard of yet: GET /products/{id}. */
  CATALOG_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3002' }),
  CATALOG_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 2_000 }),

  // --- Shipments, tracking, returns ---
  /** A delivered order's lines may be returned for this many days after the last parcel was delivered. */
  RETURN_WINDOW_DAYS: Type.Integer({ minimum: 0, maximum: 365, default: 30 }),
  /** How often each replica looks for parcels to book with the carrier (a commit also wakes it). */
  BOOKING_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, default: 5_000 }),
  /** Delay after a failed booking (carrier down); doubled each time, up to BOOKING_RETRY_MAX_MS. */
  BOOKING_RETRY_BASE_MS: Type.Integer({ minimum: 10, default: 5_000 }),
  BOOKING_RETRY_MAX_MS: Type.Integer({ minimum: 10, default: 600_000 }),
  /** The country of the stores' addresses on labels (inventory gives a store's address as one text, no country). */
  STORE_COUNTRY: Type.String({ pattern: '^[A-Z]{2}$', default: 'DE' }),

  // --- The carrier ---
  /** The carrier's API (the fake carrier locally). */
  CARRIER_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3098' }),
  CARRIER_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  CARRIER_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
  /** The shared secret of the carrier's webhook signatures (a Secret in Kubernetes). */
  CARRIER_WEBHOOK_SECRET: Type.String({ minLength: 16, default: 'dev-only-carrier-webhook-secret' }),
  /** A webhook whose signed timestamp is further than this from now is refused. */
  WEBHOOK_TOLERANCE_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 300 }),
});
export type Config = Static<typeof configSchema>;
