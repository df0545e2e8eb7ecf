import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

/** Local default for the first admin's password; production refuses to start with it. */
export const DEFAULT_ADMIN_PASSWORD = 'Mercato-Admin-2026!';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  // Identity verifies its own tokens with its own key set, so it needs no JWKS URL.
  JWKS_URL: Type.Optional(Type.String({ minLength: 1 })),
  NODE_ENV: Type.String({ default: 'development' }),
  DATABASE_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'identity' }),
  /** Ed25519 private key, PKCS8 PEM. Generated at start (with a warning) outside production. */
  JWT_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 1, default: 15 * 60 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 1, default: 7 * 24 * 3600 }),
  PASSWORD_RESET_TTL_SECONDS: Type.Integer({ minimum: 1, default: 30 * 60 }),
  MERCATO_ADMIN_EMAIL: Type.String({ format: 'email', default: 'admin@mercato.local' }),
  MERCATO_ADMIN_PASSWORD: Type.String({ minLength: 10, default: DEFAULT_ADMIN_PASSWORD }),
  /** Proxies in front (the gateway: 1) whose X-Forwarded-For entries name the client for throttling. */
  TRUSTED_PROXY_HOPS: Type.Integer({ minimum: 0, default: 0 }),
  /** Failed logins within the window after which each further attempt must wait (growing delay). */
  LOGIN_SLOWDOWN_AFTER: Type.Integer({ minimum: 1, default: 3 }),
  /** Failed logins within the window after which the account (or IP) is locked. */
  LOGIN_LOCK_AFTER: Type.Integer({ minimum: 1, default: 10 }),
  /** Per client IP the thresholds are this many times higher (one IP may be a whole office). */
  LOGIN_IP_FACTOR: Type.Integer({ minimum: 1, default: 5 }),
  LOGIN_SLOWDOWN_BASE_MS: Type.Integer({ minimum: 1, default: 1000 }),
  LOGIN_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 15 * 60 }),
  LOGIN_LOCK_SECONDS: Type.Integer({ minimum: 1, default: 15 * 60 }),
});
export type Config = Static<typeof configSchema>;
