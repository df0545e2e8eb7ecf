import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';
import { DEFAULT_MAIL_LOCALE, DEFAULT_MAIL_TIME_ZONE } from './domain/format.ts';

export const configSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3008 }),
  /** The PostgreSQL schema this service owns; tests pass an isolated one. */
  DATABASE_SCHEMA: Type.String({ minLength: 1, default: 'notifications' }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  /** Delays of a consumer's retries (an order mail for a user not known yet comes back later). */
  CONSUMER_RETRY_DELAYS_MS: Type.String({ pattern: '^\\d+(,\\d+)*$', default: '1000,5000,30000,120000' }),

  // --- SMTP relay (a real relay in production, the dev mail catcher on 1025 locally) ---
  SMTP_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  SMTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 1025 }),
  /** 'none': plain SMTP; 'starttls': upgrade required (587); 'tls': TLS from the first byte (465) */
  SMTP_SECURITY: Type.Enum(['none', 'starttls', 'tls'], { default: 'none' }),
  SMTP_USER: Type.Optional(Type.String({ minLength: 1 })),
  SMTP_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /** Connect, greeting and socket deadline of one SMTP conversation. */
  SMTP_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000 }),
  MAIL_FROM: Type.String({ minLength: 3, default: 'Mercato <shop@mercato.local>' }),

  // --- What the mails say ---
  SHOP_NAME: Type.String({ minLength: 1, default: 'Mercato' }),
  /**
   * The storefront (services/web, which the gateway serves at `/`): links in mails (`/verify?token=`,
   * `/reset-password?token=`, the order page `/account/orders/{id}`). The default is `npm start`'s.
   */
  SHOP_URL: Type.String({ minLength: 1, default: 'http://localhost:8080' }),
  /** The API's public origin (the gateway): the one-click unsubscribe link of marketing mail. */
  PUBLIC_API_URL: Type.String({ minLength: 1, default: 'http://localhost:8080' }),
  /** BCP 47 locale and IANA time zone of amounts and dates in mails. */
  MAIL_LOCALE: Type.String({ minLength: 2, default: DEFAULT_MAIL_LOCALE }),
  MAIL_TIME_ZONE: Type.String({ minLength: 1, default: DEFAULT_MAIL_TIME_ZONE }),
  /** Low-stock alerts go here (comma-separated). */
  ADMIN_ALERT_EMAILS: Type.String({ minLength: 3, default: 'admin@mercato.local' }),

  /** The invoice PDF attached to the invoice mail: GET {INVOICES_URL}/invoices/{id}/pdf?token=… */
  INVOICES_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3007' }),
  INVOICES_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),

  // --- The sender worker ---
  /** How often each replica looks for queued mail (a consumer's commit also wakes it at once). */
  SENDER_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, default: 5_000 }),
  /** Mails one replica sends at once (each in its own transaction, holding its row). */
  SENDER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 50, default: 4 }),
  /** Tries of one mail (SMTP down, 4xx, PDF not available) before it is marked failed. */
  SEND_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  /** Delay after the first failed try; doubled after each one, up to SEND_RETRY_MAX_MS. */
  SEND_RETRY_BASE_MS: Type.Integer({ minimum: 10, default: 30_000 }),
  SEND_RETRY_MAX_MS: Type.Integer({ minimum: 10, default: 3_600_000 }),
});
export type Config = Static<typeof configSchema>;
