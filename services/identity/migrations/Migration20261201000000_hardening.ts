import { Migration } from '@mikro-orm/migrations';

// Unqualified names on purpose: the migrator's search_path puts them into the service's schema.
export class Migration20261201000000_hardening extends Migration {
  override async up(): Promise<void> {
    // The development signing key (only when JWT_PRIVATE_KEY is not configured): one row, made by the
    // first replica to start, so that tokens survive a restart and replicas share the key.
    this.addSql(`create table signing_key (
      name text primary key,
      private_key_pem text not null,
      created_at timestamptz not null
    )`);
    // The deny-list's source of truth is refresh_token (revoked rows with a live access token); Redis
    // is refilled from this index after a restart.
    this.addSql(
      'create index refresh_token_revoked_live_idx on refresh_token (access_expires_at) where revoked_at is not null',
    );
    // Password-reset requests wait here for the background worker, so that the request itself does
    // the same work whether or not the address is registered.
    this.addSql(`create table password_reset_request (
      id uuid primary key,
      email text not null,
      requested_at timestamptz not null
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists password_reset_request');
    this.addSql('drop index if exists refresh_token_revoked_live_idx');
    this.addSql('drop table if exists signing_key');
  }
}
