// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (cart, or a test's).
import { Migration } from '@mikro-orm/migrations';

// Carts and their lines change on every click (and guest carts are created and swept in numbers):
// vacuum them after 2% of the rows changed instead of PostgreSQL's 20%, so dead rows do not pile up.
const CHURN = 'with (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05)';

export class Migration20261202100000_cart extends Migration {
  override async up(): Promise<void> {
    // A customer's cart (user_id) or a guest's (token_hash: SHA-256 of the token, never the token).
    this.addSql(`create table cart (
      id uuid primary key,
      user_id uuid unique,
      token_hash text unique,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      expires_at timestamptz,
      check ((user_id is null) <> (token_hash is null)),
      check ((token_hash is null) = (expires_at is null))
    ) ${CHURN}`);
    // The sweeper's scan for expired guest carts (customers' carts never expire).
    this.addSql('create index cart_expires_at_idx on cart (expires_at) where expires_at is not null');
    this.addSql(`create table cart_line (
      id uuid primary key,
      cart_id uuid not null references cart (id) on delete cascade,
      product_id uuid not null,
      name text not null,
      quantity integer not null check (quantity > 0),
      added_amount numeric(16,4) not null,
      added_currency char(3) not null,
      added_at timestamptz not null default now(),
      unique (cart_id, product_id)
    ) ${CHURN}`);
    // A price change bumps the version of every cart holding the product.
    this.addSql('create index cart_line_product_id_idx on cart_line (product_id)');
    // Read model of catalog products; a deleted product stays as a tombstone (deleted = true).
    this.addSql(`create table product (
      product_id uuid primary key,
      name text not null,
      amount numeric(16,4) not null,
      currency char(3) not null,
      active boolean not null,
      deleted boolean not null default false,
      version integer not null,
      updated_at timestamptz not null default now()
    )`);
    // Read model of inventory's stock levels (stock.levels_changed), newest version per product.
    this.addSql(`create table stock_level (
      product_id uuid primary key,
      available integer not null check (available >= 0),
      availability text not null check (availability in ('in_stock','low','out_of_stock')),
      version bigint not null,
      updated_at timestamptz not null default now()
    ) ${CHURN}`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists stock_level');
    this.addSql('drop table if exists product');
    this.addSql('drop table if exists cart_line');
    this.addSql('drop table if exists cart');
  }
}
