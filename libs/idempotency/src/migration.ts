// The idempotency_key table for a NEW service (the storedResponse layout): services that already
// have the table keep their own migrations. Unqualified SQL on purpose: the migrator sets
// search_path to the service's schema.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

export class IdempotencyMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table idempotency_key (
      user_id uuid not null,
      key text not null,
      fingerprint text not null,
      status_code integer not null,
      response jsonb not null,
      created_at timestamptz not null default now(),
      primary key (user_id, key)
    )`);
    // The expiry sweep finds old records through this index instead of scanning the table.
    this.addSql('create index idempotency_key_created_at_idx on idempotency_key (created_at)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists idempotency_key');
  }
}

/** Add to a new service's migrations list (after messagingMigration). */
export const idempotencyMigration: MigrationObject = {
  name: 'Migration20260101000001_mercato_idempotency',
  class: IdempotencyMigration,
};
