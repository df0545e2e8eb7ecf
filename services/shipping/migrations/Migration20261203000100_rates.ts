// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (shipping, or a test's).
import { Migration } from '@mikro-orm/migrations';

// Quotes are written on every checkout page a guest opens and swept after expiry: vacuum them after 2%
// of the rows changed instead of PostgreSQL's 20%, so dead rows do not pile up.
const CHURN = 'with (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05)';

export class Migration20261203000100_rates extends Migration {
  override async up(): Promise<void> {
    // Every version of the rate table ever in force, newest = current. A version is never changed or
    // deleted: the quotes made with it name it. Version 1 is seeded on first start (data/rate-table.json).
    this.addSql(`create table rate_table (
      version integer primary key check (version > 0),
      currency char(3) not null,
      zones jsonb not null,
      created_at timestamptz not null default now(),
      created_by uuid
    )`);
    // Read model of catalog products (product.created/updated/deleted), newest version per product;
    // a deleted product stays as a tombstone (deleted = true) so a late older update cannot revive it.
    this.addSql(`create table product (
      product_id uuid primary key,
      name text not null,
      amount numeric(16,4) not null,
      currency char(3) not null,
      active boolean not null,
      deleted boolean not null default false,
      weight_grams bigint check (weight_grams > 0),
      version integer not null,
      updated_at timestamptz not null default now()
    )`);
    // A quote: the prices of its options are honoured until expires_at, whatever the table says later.
    this.addSql(`create table quote (
      id uuid primary key,
      rate_table_version integer not null references rate_table (version),
      country char(2) not null,
      postal_code text,
      currency char(3) not null,
      subtotal numeric(16,4) not null,
      weight_grams bigint not null check (weight_grams > 0),
      zone text not null,
      lines jsonb not null,
      options jsonb not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      check (expires_at > created_at)
    ) ${CHURN}`);
    // The sweep's scan for quotes long expired.
    this.addSql('create index quote_expires_at_idx on quote (expires_at)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists quote');
    this.addSql('drop table if exists product');
    this.addSql('drop table if exists rate_table');
  }
}
