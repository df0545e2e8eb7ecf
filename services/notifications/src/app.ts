import { afterCommitHooks } from '@mercato/db';
import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { registerConsumers } from './consumers/index.ts';
import { DEFAULT_MAIL_LOCALE, DEFAULT_MAIL_TIME_ZONE, formatter } from './domain/format.ts';
import { TEMPLATES_DIR, TemplateCatalog } from './domain/templates.ts';
import { entities } from './persistence/entities.ts';
import type { NotificationRow } from './persistence/notifications.ts';
import notificationUseCases from './plugins/notifications.ts';
import notificationsRoutes from './routes/notifications/index.ts';
import type { NotificationContext } from './use-cases/context.ts';
import { type Mailer, smtpMailer } from './workers/mailer.ts';
import { notificationMetrics } from './workers/metrics.ts';
import { type Sender, startSender } from './workers/sender.ts';

export interface AppDeps {
  /** A fixed key set instead of JWKS_URL (tests: testAuth().jwks). */
  jwks?: JSONWebKeySet;
  /** More template folders after the shipped one (tests: a marketing template). */
  extraTemplateDirs?: string[];
  /** Another mail transport than SMTP_* (tests that must see the transport fail in a given way). */
  mailer?: Mailer;
  /** Tests: the crash point between SMTP accept and commit (see workers/sender.ts). */
  afterAccept?: (row: NotificationRow) => unknown;
  /** Tests: no sender in this app (a consumer-only replica). */
  sender?: false;
}

/** example.com out of 'Shop <shop@example.com>': the right-hand side of every Message-ID. */
export function mailDomain(from: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'mercato.local';
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const format = formatter(config.MAIL_LOCALE, config.MAIL_TIME_ZONE);
  // A locale or time zone of the operator's choosing fails the start, not the first dated mail; the
  // defaults are known good, and a start with them does not load ICU's date data before a mail needs it.
  if (config.MAIL_LOCALE !== DEFAULT_MAIL_LOCALE || config.MAIL_TIME_ZONE !== DEFAULT_MAIL_TIME_ZONE)
    format.check();
  const templates = await TemplateCatalog.load({
    dirs: [TEMPLATES_DIR, ...(deps.extraTemplateDirs ?? [])],
    shop: { name: config.SHOP_NAME, url: config.SHOP_URL },
    format,
  });
  return buildService({
    name: 'notifications',
    config,
    database: { entities, migrations },
    consumers: {
      retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS.split(',').map(Number),
      // Every handler's effect is in this database (a queued record; the mail leaves later, from the
      // sender), so events that wait while others are handled share one transaction: a begin and a
      // commit for many under load. A failed batch is replayed one event at a time.
      batchSize: 20,
    },
    // Notifications writes no events: nothing to relay.
    relay: false,
    auth: { jwks: deps.jwks },
    openapi: {
      description:
        'Notifications: e-mail over SMTP for account, order and stock events; the record of every mail; templates; preferences',
    },
    async setup(ctx) {
      const { app, orm, logger } = ctx;
      const metrics = notificationMetrics(app.metrics, orm);
      const mailer = deps.mailer ?? smtpMailer(config);
      let sender: Sender | undefined;
      const messageIdDomain = mailDomain(config.MAIL_FROM);
      const nctx: NotificationContext = {
        templates,
        messageIdDomain,
        publicApiUrl: config.PUBLIC_API_URL,
        adminEmails: config.ADMIN_ALERT_EMAILS.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        afterCommit: afterCommitHooks(orm),
        wake: () => sender?.wake(),
        onSuppressed: (template) => metrics.suppressed.inc({ template }),
      };
      await app.register(notificationUseCases, { templates });
      await app.register(notificationsRoutes, { prefix: '/notifications' });
      if (deps.sender !== false) {
        sender = startSender({
          orm,
          logger,
          mailer,
          metrics,
          from: config.MAIL_FROM,
          messageIdDomain,
          policy: {
            maxAttempts: config.SEND_MAX_ATTEMPTS,
            baseMs: config.SEND_RETRY_BASE_MS,
            maxMs: config.SEND_RETRY_MAX_MS,
          },
          pollIntervalMs: config.SENDER_POLL_INTERVAL_MS,
          concurrency: config.SENDER_CONCURRENCY,
          invoices: { invoicesUrl: config.INVOICES_URL, timeoutMs: config.INVOICES_TIMEOUT_MS },
          afterAccept: deps.afterAccept,
        });
        const started = sender;
        // Last registered, first stopped: the sender stops (finishing the mails in hand) after the
        // consumers, and the transport closes after it.
        ctx.stopOnClose({ stop: async () => mailer.close() });
        ctx.stopOnClose(started);
      }
      await registerConsumers(ctx, nctx);
    },
  });
}
