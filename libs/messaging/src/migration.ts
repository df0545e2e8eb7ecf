// Creates the outbox and inbox tables in the current schema. The SQL is unqualified on purpose: the
// migrator sets search_path to the service's schema (see @mercato/db), so the same migration serves
// `orders` in production and `t_abc123` in a test.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

export class MessagingMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table outbox (
      id uuid primary key,
      type text not null,
      payload jsonb not null,
      headers jsonb not null default '{}',
      created_at timestamptz not null default now(),
      sent_at timestamptz
    )`);
    // The relay only ever looks for unsent rows in id (= time) order; sent rows stay out of the index.
    this.addSql('create index outbox_pending_idx on outbox (id) where sent_at is null');
    // For the relay's clean-up of old sent rows.
    this.addSql('create index outbox_sent_at_idx on outbox (sent_at) where sent_at is not null');
    this.addSql(`create table inbox (
      consumer text not null,
      message_id uuid not null,
      handled_at timestamptz not null default now(),
      primary key (consumer, message_id)
    )`);
    this.addSql('create index inbox_handled_at_idx on inbox (handled_at)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists inbox');
    this.addSql('drop table if exists outbox');
  }
}

/** First in the service's migrations list, through `messagingMigrations` (queue-tables.ts). */
export const messagingMigration: MigrationObject = {
  name: 'Migration20260101000000_mercato_messaging',
  class: MessagingMigration,
};
