// What the use cases work with: the ORM, the templates, the shop's settings, and a way to wake the
// sender once a queued mail has committed.
import type { AfterCommit } from '@mercato/db';
import type { TemplateCatalog } from '../domain/templates.ts';

export interface NotificationContext {
  templates: TemplateCatalog;
  /** the address part of MAIL_FROM's domain, for Message-IDs */
  messageIdDomain: string;
  /** PUBLIC_API_URL: where the one-click unsubscribe POST goes */
  publicApiUrl: string;
  adminEmails: string[];
  afterCommit: AfterCommit;
  /** wakes the sender (called after the commit of a queued mail) */
  wake(): void;
  /** counts a marketing mail not sent to a user who opted out */
  onSuppressed(template: string): void;
}
