// The service's Prometheus metrics, on the app's registry (GET /metrics).
import type { MikroORM } from '@mercato/db';
import { Counter, Gauge, type Registry } from 'prom-client';
import { queuedCount } from '../persistence/notifications.ts';

export interface NotificationMetrics {
  /** mails the relay accepted */
  sent: Counter<'template'>;
  /** mails given up on: `reason` permanent (5xx) or exhausted (out of tries) */
  failed: Counter<'template' | 'reason'>;
  /** tries that failed transiently and were rescheduled */
  retried: Counter<'template'>;
  /** marketing mails not sent to users who opted out */
  suppressed: Counter<'template'>;
}

export function notificationMetrics(registry: Registry, orm: MikroORM): NotificationMetrics {
  new Gauge({
    name: 'notifications_queued',
    help: 'Mails waiting to be sent (queued, including those waiting for a retry)',
    registers: [registry],
    async collect() {
      try {
        this.set(await queuedCount(orm.em.fork()));
      } catch {
        // the database is down: /metrics still answers, without a fresh value
      }
    },
  });
  return {
    sent: new Counter({
      name: 'notifications_sent_total',
      help: 'Mails accepted by the SMTP relay, by template',
      labelNames: ['template'] as const,
      registers: [registry],
    }),
    failed: new Counter({
      name: 'notifications_failed_total',
      help: 'Mails marked failed, by template and reason (permanent: 5xx reply; exhausted: out of tries)',
      labelNames: ['template', 'reason'] as const,
      registers: [registry],
    }),
    retried: new Counter({
      name: 'notifications_retries_total',
      help: 'Tries that failed transiently (SMTP down, 4xx, attachment not available) and were rescheduled',
      labelNames: ['template'] as const,
      registers: [registry],
    }),
    suppressed: new Counter({
      name: 'notifications_suppressed_total',
      help: 'Marketing mails not sent because the user opted out',
      labelNames: ['template'] as const,
      registers: [registry],
    }),
  };
}
