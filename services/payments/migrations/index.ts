import { messagingMigration } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122010000_payments } from './Migration20261122010000_payments.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  messagingMigration,
  { name: 'Migration20261122010000_payments', class: Migration20261122010000_payments },
];
