import { messagingMigration } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122020000_invoices } from './Migration20261122020000_invoices.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  messagingMigration,
  { name: 'Migration20261122020000_invoices', class: Migration20261122020000_invoices },
];
