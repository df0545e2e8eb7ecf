// orders' copy of identity's addresses, fed by address.changed (see persistence/address-copy.ts): a
// hit spares placement the synchronous read of identity. Kept by version: a deletion leaves a
// tombstone (deleted, no text) so that an older event arriving late does not bring the address back.
// Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203030000_address_copy extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table if not exists address_copy (
      address_id uuid primary key,
      user_id uuid not null,
      version integer not null,
      deleted boolean not null default false,
      recipient text,
      street text,
      city text,
      postal_code text,
      country char(2),
      updated_at timestamptz not null default now()
    )`);
    // The erasure consumer drops a user's copies.
    this.addSql('create index if not exists address_copy_user_id_idx on address_copy (user_id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists address_copy');
  }
}
