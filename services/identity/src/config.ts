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
  /**
   * Ed25519 private key, PKCS8 PEM. Outside production it may be left out: a development key is then
   * generated once and kept in the database (with a warning), shared by replicas and restarts.
   */
  JWT_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 1, default: 15 * 60 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 1, default: 7 * 24 * 3600 }),
  PASSWORD_RESET_TTL_SECONDS: Type.Integer({ minimum: 1, default: 30 * 60 }),
  /** How long an e-mail verification link works (a newer one voids it at once). */
  VERIFICATION_TTL_SECONDS: Type.Integer({ minimum: 1, default: 48 * 3600 }),
  /** POST /auth/verify/resend at most once per this many seconds per account (429 before). */
  VERIFICATION_RESEND_INTERVAL_SECONDS: Type.Integer({ minimum: 0, default: 60 }),
  MERCATO_ADMIN_EMAIL: Type.String({ format: 'email', default: 'admin@mercato.local' }),
  MERCATO_ADMIN_PASSWORD: Type.String({ minLength: 10, default: DEFAULT_ADMIN_PASSWORD }),
  /**
   * Addresses (or CIDRs, or `loopback`/`uniquelocal`) of the proxies whose X-Forwarded-For names the
   * client — the gateway. Comma-separated; empty: nobody's. Login throttling counts per client by it.
   */
  TRUST_PROXY: Type.String({ default: '' }),
  /** Instead of TRUST_PROXY: how many proxies are in front, where only they can reach identity. */
  TRUSTED_PROXY_HOPS: Type.Integer({ minimum: 0, default: 0 }),
  /**
   * Failed logins of one account FROM ONE CLIENT within the window after which that client's further
   * attempts on it must wait (growing delay). Other clients are not affected.
   */
  LOGIN_SLOWDOWN_AFTER: Type.Integer({ minimum: 1, default: 3 }),
  /** Failed logins of one account from one client after which that pair is locked. */
  LOGIN_LOCK_AFTER: Type.Integer({ minimum: 1, default: 10 }),
  /**
   * Per client address across all accounts the thresholds are this many times higher (one address may
   * be a whole office): a cap on one client guessing across many accounts.
   */
  LOGIN_IP_FACTOR: Type.Integer({ minimum: 1, default: 5 }),
  LOGIN_SLOWDOWN_BASE_MS: Type.Integer({ minimum: 1, default: 1000 }),
  LOGIN_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 15 * 60 }),
  LOGIN_LOCK_SECONDS: Type.Integer({ minimum: 1, default: 15 * 60 }),
  /** How often the live revocations are copied from the database into Redis (also on every reconnect). */
  DENY_LIST_RESYNC_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  /**
   * How often the background worker looks for queued password-reset requests on its own: a request
   * wakes its replica's worker at once, so this only bounds the wait of one no wake-up announced.
   */
  PASSWORD_RESET_POLL_MS: Type.Integer({ minimum: 10, default: 10_000 }),
});
export type Config = Static<typeof configSchema>;
