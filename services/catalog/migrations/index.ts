import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000100_catalog } from './Migration20261122000100_catalog.ts';
import { Migration20261220000000_product_availability } from './Migration20261220000000_product_availability.ts';
import { Migration20261230000000_search } from './Migration20261230000000_search.ts';
import { Migration20261231000000_search_prefix } from './Migration20261231000000_search_prefix.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  { name: 'Migration20261122000100_catalog', class: Migration20261122000100_catalog },
  {
    name: 'Migration20261220000000_product_availability',
    class: Migration20261220000000_product_availability,
  },
  { name: 'Migration20261230000000_search', class: Migration20261230000000_search },
  { name: 'Migration20261231000000_search_prefix', class: Migration20261231000000_search_prefix },
];
