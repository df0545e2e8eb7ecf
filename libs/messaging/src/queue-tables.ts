// Storage parameters for the outbox and inbox, which are queue tables: every row is inserted, the
// outbox's is updated once (sent_at) and both are deleted after their retention, so they fill with
// dead tuples at the rate of the traffic while staying small. PostgreSQL's defaults vacuum a table
// once 20 % of it is dead (scale factor 0.2) and throttle that vacuum (cost delay 2 ms): on a small
// queue table that means late, slow vacuums, and meanwhile every relay poll walks the dead entries
// of outbox_pending_idx (7,300 per poll were measured after a day of tests with autovacuum off).
// A migration of its own, after the one that created the tables, so schemas that already have them
// get the settings as a pending migration. Unqualified SQL on purpose: the migrator sets search_path.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { messagingMigration } from './migration.ts';

/** Per-table autovacuum settings for a queue table: by a fixed count of dead rows, unthrottled. */
export const QUEUE_TABLE_AUTOVACUUM = {
  // A fixed number of dead rows, whatever the table's size: ~1,000 dead index entries at most per walk.
  autovacuum_vacuum_scale_factor: '0',
  autovacuum_vacuum_threshold: '1000',
  // Statistics follow the same churn (the planner's view of how many rows are pending).
  autovacuum_analyze_scale_factor: '0',
  autovacuum_analyze_threshold: '1000',
  // The table is small: let its vacuum run to the end at once instead of sleeping between pages.
  autovacuum_vacuum_cost_delay: '0',
} as const;

/**
 * The outbox's rows are updated once (sent_at). That update is never HOT (sent_at is in the
 * indexes' predicates), but with room left on the page the new version stays on the same page:
 * one page dirtied per send instead of two, and the page's own pruning reclaims the old version.
 */
export const OUTBOX_FILLFACTOR = 70;

const settings = (params: Record<string, string | number>) =>
  Object.entries(params)
    .map(([name, value]) => `${name} = ${value}`)
    .join(', ');

export class QueueTablesMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table outbox set (fillfactor = ${OUTBOX_FILLFACTOR}, ${settings(QUEUE_TABLE_AUTOVACUUM)})`,
    );
    this.addSql(`alter table inbox set (${settings(QUEUE_TABLE_AUTOVACUUM)})`);
  }

  override async down(): Promise<void> {
    const names = Object.keys(QUEUE_TABLE_AUTOVACUUM).join(', ');
    this.addSql(`alter table outbox reset (fillfactor, ${names})`);
    this.addSql(`alter table inbox reset (${names})`);
  }
}

export const messagingQueueTablesMigration: MigrationObject = {
  name: 'Migration20261203120000_mercato_messaging_queue_tables',
  class: QueueTablesMigration,
};

/**
 * Every migration of the messaging tables (outbox, inbox), in order: spread first in the service's
 * migrations list (`[...messagingMigrations, …]`), so a service gets the ones added later too.
 */
export const messagingMigrations: readonly MigrationObject[] = [
  messagingMigration,
  messagingQueueTablesMigration,
];
