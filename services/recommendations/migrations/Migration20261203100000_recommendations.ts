// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (recommendations, or a test's).
import { Migration } from '@mikro-orm/migrations';

// The statistics change with every order and every batch of views: vacuum after 2% of the rows changed.
const CHURN = 'with (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05)';

export class Migration20261203100000_recommendations extends Migration {
  override async up(): Promise<void> {
    // One row per product: catalog's facts (known once catalog has told), inventory's verdict, and the
    // product's own statistics. Weights are decayed counts kept on a growing scale (domain/decay.ts).
    this.addSql(`create table product (
      product_id uuid primary key,
      known boolean not null default false,
      name text not null default '',
      category text,
      amount numeric(16,4),
      currency char(3),
      active boolean not null default false,
      deleted boolean not null default false,
      version integer not null default 0,
      out_of_stock boolean not null default false,
      stock_version bigint not null default -1,
      orders integer not null default 0 check (orders >= 0),
      bought_weight numeric not null default 0,
      popular_weight numeric not null default 0,
      viewed_weight numeric not null default 0,
      recommendable boolean generated always as (known and active and not deleted and not out_of_stock) stored
    ) ${CHURN}`);
    this.addSql('create index product_popular_idx on product (popular_weight desc) where recommendable');
    this.addSql(
      'create index product_category_popular_idx on product (category, popular_weight desc) where recommendable',
    );
    // Orders containing both products (both directions are stored: a product's partners are one range).
    this.addSql(`create table co_purchase (
      product_id uuid not null,
      other_id uuid not null,
      orders integer not null check (orders > 0),
      weight numeric not null,
      primary key (product_id, other_id)
    ) ${CHURN}`);
    // Products viewed (or added to a cart) by one customer within one session window.
    this.addSql(`create table co_view (
      product_id uuid not null,
      other_id uuid not null,
      sessions integer not null check (sessions > 0),
      weight numeric not null,
      primary key (product_id, other_id)
    ) ${CHURN}`);
    // Weights are numeric: sums and differences are exact, so a cancellation restores the statistics
    // to the digit (double precision would leave rounding residue behind).
    // Each confirmed order as learnt (or a tombstone of one cancelled before its confirmation arrived),
    // with the weights it added, so a cancellation or a return takes back exactly what it gave.
    this.addSql(`create table purchase (
      order_id uuid primary key,
      user_id uuid,
      state text not null check (state in ('confirmed', 'cancelled')),
      at timestamptz not null default now(),
      weight numeric not null default 0,
      popular_weight numeric not null default 0
    )`);
    this.addSql('create index purchase_user_idx on purchase (user_id, at desc) where user_id is not null');
    this.addSql(`create table purchase_item (
      order_id uuid not null references purchase (order_id) on delete cascade,
      product_id uuid not null,
      quantity integer not null check (quantity > 0),
      returned integer not null default 0 check (returned >= 0),
      primary key (order_id, product_id)
    )`);
    // Returns already applied (a return.received is acted on once per returnId).
    this.addSql(
      'create table applied_return (return_id uuid primary key, at timestamptz not null default now())',
    );
    // A customer's latest views (the session window of co_view, and the seeds of "for you").
    this.addSql(`create table recent_view (
      user_id uuid not null,
      product_id uuid not null,
      at timestamptz not null,
      primary key (user_id, product_id)
    ) ${CHURN}`);
    this.addSql('create index recent_view_user_at_idx on recent_view (user_id, at desc)');
  }

  override async down(): Promise<void> {
    for (const t of [
      'recent_view',
      'applied_return',
      'purchase_item',
      'purchase',
      'co_view',
      'co_purchase',
      'product',
    ])
      this.addSql(`drop table if exists ${t}`);
  }
}
