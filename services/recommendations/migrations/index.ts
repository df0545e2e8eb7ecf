import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261203100000_recommendations } from './Migration20261203100000_recommendations.ts';
import { Migration20261203140000_change_feed } from './Migration20261203140000_change_feed.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  {
    name: 'Migration20261203100000_recommendations',
    class: Migration20261203100000_recommendations,
  },
  { name: 'Migration20261203140000_change_feed', class: Migration20261203140000_change_feed },
];
