import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261202200000_notifications } from './Migration20261202200000_notifications.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  { name: 'Migration20261202200000_notifications', class: Migration20261202200000_notifications },
];
