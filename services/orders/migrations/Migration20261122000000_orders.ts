// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (orders, or a test's).
// The foreign keys are checked at commit (deferrable): items and history refer to their order by id,
// not as ORM relations, so the unit of work may insert them before the order in the same transaction.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000000_orders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table orders (
      id uuid primary key,
      user_id uuid not null,
      status text not null check (status in ('PENDING','CONFIRMED','SHIPPED','DELIVERED','CANCELLED')),
      revision integer not null default 1,
      total_amount numeric(16,4) not null,
      currency char(3) not null,
      shipping_address_id uuid not null,
      payment_method jsonb not null,
      cancel_reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version integer not null default 1
    )`);
    // A customer's orders, newest first; the admin list by status; the sweeper's PENDING scan.
    this.addSql('create index orders_user_id_created_at_idx on orders (user_id, created_at desc)');
    this.addSql('create index orders_status_created_at_idx on orders (status, created_at)');
    this.addSql(`create table order_item (
      id uuid primary key,
      order_id uuid not null references orders (id) on delete cascade deferrable initially deferred,
      product_id uuid not null,
      product_name text not null,
      quantity integer not null check (quantity > 0),
      unit_amount numeric(16,4) not null,
      currency char(3) not null,
      created_at timestamptz not null default now(),
      unique (order_id, product_id)
    )`);
    this.addSql(`create table order_status_history (
      id uuid primary key,
      order_id uuid not null references orders (id) on delete cascade deferrable initially deferred,
      from_status text,
      to_status text not null,
      at timestamptz not null default now(),
      cause text not null
    )`);
    this.addSql('create index order_status_history_order_id_idx on order_status_history (order_id, at)');
    this.addSql(`create table idempotency_key (
      user_id uuid not null,
      key text not null,
      fingerprint text not null,
      status_code integer not null,
      response jsonb not null,
      created_at timestamptz not null default now(),
      primary key (user_id, key)
    )`);
    this.addSql(`create table product_price (
      product_id uuid primary key,
      name text not null,
      amount numeric(16,4) not null,
      currency char(3) not null,
      active boolean not null,
      deleted boolean not null default false,
      version integer not null,
      updated_at timestamptz not null default now()
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists product_price');
    this.addSql('drop table if exists idempotency_key');
    this.addSql('drop table if exists order_status_history');
    this.addSql('drop table if exists order_item');
    this.addSql('drop table if exists orders');
  }
}
