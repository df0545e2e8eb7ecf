import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000100_inventory } from './Migration20261122000100_inventory.ts';
import { Migration20261215000000_declined_holds } from './Migration20261215000000_declined_holds.ts';
import { Migration20261220000000_product_level } from './Migration20261220000000_product_level.ts';
import { Migration20261221000000_returned_stock } from './Migration20261221000000_returned_stock.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  { name: 'Migration20261122000100_inventory', class: Migration20261122000100_inventory },
  { name: 'Migration20261215000000_declined_holds', class: Migration20261215000000_declined_holds },
  { name: 'Migration20261220000000_product_level', class: Migration20261220000000_product_level },
  { name: 'Migration20261221000000_returned_stock', class: Migration20261221000000_returned_stock },
];
