import type { NotificationRow } from '../../persistence/notifications.ts';
import type { NotificationDetail, NotificationView } from './schemas.ts';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toNotificationView(r: NotificationRow): NotificationView {
  return {
    id: r.id,
    userId: r.user_id,
    eventId: r.event_id,
    eventType: r.event_type,
    template: r.template,
    kind: r.kind,
    recipient: r.recipient,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: iso(r.next_attempt_at),
    smtpResponse: r.smtp_response,
    lastError: r.last_error,
    messageId: r.message_id,
    hasAttachments: r.attachments.length > 0,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    sentAt: iso(r.sent_at),
  };
}

export function toNotificationDetail(r: NotificationRow): NotificationDetail {
  return { ...toNotificationView(r), text: r.text };
}
