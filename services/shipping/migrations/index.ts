import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261203000100_rates } from './Migration20261203000100_rates.ts';
import { Migration20261203000200_shipments } from './Migration20261203000200_shipments.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  { name: 'Migration20261203000100_rates', class: Migration20261203000100_rates },
  { name: 'Migration20261203000200_shipments', class: Migration20261203000200_shipments },
];
