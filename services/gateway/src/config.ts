import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const base = baseConfigSchema.properties;
const url = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));

/**
 * The gateway owns no data and publishes no events, so it takes the kit's HTTP, Redis and JWKS
 * variables but not DATABASE_URL or AMQP_URL.
 */
export const gatewayConfigSchema = Type.Object({
  SERVICE_NAME: base.SERVICE_NAME,
  HOST: base.HOST,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  LOG_LEVEL: base.LOG_LEVEL,
  REDIS_URL: base.REDIS_URL,
  JWKS_URL: base.JWKS_URL,
  OTEL_EXPORTER_OTLP_ENDPOINT: base.OTEL_EXPORTER_OTLP_ENDPOINT,

  IDENTITY_URL: url('/auth, /users, /addresses'),
  CATALOG_URL: url('/products'),
  INVENTORY_URL: url('/stores, /stocks'),
  CART_URL: url('/carts'),
  ORDERS_URL: url('/orders'),
  PAYMENTS_URL: url('/payments'),
  INVOICES_URL: url('/invoices'),
  NOTIFICATIONS_URL: url('/notifications'),
  SHIPPING_URL: url('/shippings'),
  RECOMMENDATIONS_URL: url('/recommendations'),
  /** The storefront (services/web): every other path, `/` included, once the API prefixes are matched. */
  WEB_URL: url('/ (the storefront: every path no API prefix claims)'),

  /** An upstream that does not answer (headers or body) within this gets a 504. */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Comma-separated exact origins allowed by CORS; empty: no cross-origin access. `*` and `null` are refused. */
  CORS_ORIGINS: Type.String({ default: '' }),
  /** Largest request body accepted (by Content-Length) before it reaches an upstream. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1, default: 1024 * 1024 }),
  /**
   * Take the client's address from the first X-Forwarded-For entry (only behind a trusted ingress that
   * sets it): for anonymous rate limits and for the X-Forwarded-For the services behind get.
   */
  TRUST_PROXY: Type.Boolean({ default: false }),
  /**
   * Proxies that call the API for someone else — the storefront (services/web) — and name that client in
   * X-Forwarded-For: addresses, CIDRs or `loopback`, `linklocal`, `uniquelocal`, comma-separated. From
   * one of them the header is believed (for anonymous rate limits and the X-Forwarded-For passed on),
   * from anyone else ignored. Empty: nobody's.
   */
  TRUSTED_PROXIES: Type.String({ default: '' }),

  /** Requests per window for a client without a valid token, keyed by IP. */
  RATE_LIMIT_IP_MAX: Type.Integer({ minimum: 1, default: 300 }),
  /** Requests per window for an authenticated user, keyed by the token's sub. */
  RATE_LIMIT_USER_MAX: Type.Integer({ minimum: 1, default: 600 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1, default: 60_000 }),
  /** Prefix of the limiter's Redis keys. */
  RATE_LIMIT_REDIS_PREFIX: Type.String({ minLength: 1, default: 'gateway:rl:' }),
  /**
   * With Redis unreachable: true lets requests through unlimited (fail open), false answers 503.
   * Open by default: Redis is an accelerator, and an outage of it must not take the API down.
   */
  RATE_LIMIT_FAIL_OPEN: Type.Boolean({ default: true }),

  /** How long the aggregated OpenAPI document is reused before the upstreams are asked again. */
  DOCS_CACHE_TTL_MS: Type.Integer({ minimum: 0, default: 60_000 }),
  /** When true, /readyz also requires every configured upstream's /healthz to answer. */
  READY_REQUIRES_UPSTREAMS: Type.Boolean({ default: false }),
});
export type GatewayConfig = Static<typeof gatewayConfigSchema>;
