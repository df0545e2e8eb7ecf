import { messagingMigration } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_orders } from './Migration20261122000000_orders.ts';
import { Migration20261201000000_payment_retry } from './Migration20261201000000_payment_retry.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  messagingMigration,
  { name: 'Migration20261122000000_orders', class: Migration20261122000000_orders },
  { name: 'Migration20261201000000_payment_retry', class: Migration20261201000000_payment_retry },
];
