import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const base = baseConfigSchema.properties;

/** The storefront owns no data and handles no events: HTTP, Redis (sessions) and the API's address. */
export const configSchema = Type.Object({
  SERVICE_NAME: base.SERVICE_NAME,
  HOST: base.HOST,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3011 }),
  LOG_LEVEL: base.LOG_LEVEL,
  REDIS_URL: base.REDIS_URL,
  OTEL_EXPORTER_OTLP_ENDPOINT: base.OTEL_EXPORTER_OTLP_ENDPOINT,
  /** The gateway: every call the storefront makes goes through it, as any client's would. */
  API_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:8080' }),
  API_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
  /**
   * Signs the session cookie (32 characters at least). Several, comma-separated, to rotate: the first
   * signs, all verify. Unset: a random one per process (sessions end when the process restarts).
   */
  SESSION_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** How long a session lives without use (the refresh token inside lives 7 days at most). */
  SESSION_TTL_SECONDS: Type.Integer({ minimum: 60, default: 7 * 24 * 3600 }),
  SESSION_REDIS_PREFIX: Type.String({ minLength: 1, default: 'web:sess:' }),
  /**
   * Whom to believe for the client's protocol (X-Forwarded-Proto, so the cookie is Secure behind an
   * https ingress): the gateway's address. Empty: nobody.
   */
  TRUST_PROXY: Type.String({ default: '127.0.0.1,::1,::ffff:127.0.0.1' }),
  /** How often the order page's live stream asks the API for the order's status. */
  ORDER_POLL_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 1_000 }),
});
export type Config = Static<typeof configSchema>;
