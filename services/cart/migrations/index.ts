import { idempotencyMigration } from '@mercato/idempotency';
import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261202100000_cart } from './Migration20261202100000_cart.ts';

/** In order; the messaging tables (outbox, inbox) first, then the Idempotency-Key records. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  idempotencyMigration,
  { name: 'Migration20261202100000_cart', class: Migration20261202100000_cart },
];
