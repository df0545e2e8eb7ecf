import { messagingMigration } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_identity } from './Migration20261122000000_identity.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  messagingMigration,
  { name: 'Migration20261122000000_identity', class: Migration20261122000000_identity },
];
