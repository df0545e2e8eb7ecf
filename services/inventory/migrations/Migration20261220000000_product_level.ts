// One row per product with stock: the version `stock.levels_changed` carries. Every change of a
// product's stock rows bumps it in the same transaction (the reservation statement, the admin
// routes, a store's deletion), so it grows with every change — which a sum of the rows' versions
// would not do once a store's empty rows are deleted — and it is the one row two writers of the
// same product meet on: the reservation path checks it like a row version (optimistic), the admin
// paths lock it first, so the level an event reports is never computed from a stale snapshot.
// Updated with every sale and never grown: room on each page for HOT updates, and vacuumed early.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261220000000_product_level extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table product_level (
      product_id uuid primary key,
      version bigint not null check (version >= 1)
    ) with (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05)`);
    // The version of each product's level last written to the outbox (see publish-levels.ts): the
    // levels still to announce are those whose version is above it.
    this.addSql(`create table product_level_published (
      product_id uuid primary key,
      version bigint not null
    ) with (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05)`);
    // Products stocked before this migration start above every version their rows had.
    this.addSql(`insert into product_level (product_id, version)
      select product_id, greatest(sum(version), 1) from stock group by product_id`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists product_level_published');
    this.addSql('drop table if exists product_level');
  }
}
