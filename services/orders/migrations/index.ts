import { messagingMigration } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_orders } from './Migration20261122000000_orders.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  messagingMigration,
  { name: 'Migration20261122000000_orders', class: Migration20261122000000_orders },
];
