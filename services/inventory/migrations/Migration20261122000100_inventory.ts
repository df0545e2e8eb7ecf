// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (inventory, or a test's).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000100_inventory extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table store (
      id uuid primary key,
      code text not null unique,
      name text not null,
      address text,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version integer not null default 1
    )`);
    // Overselling is impossible by construction: whatever the code does, the database refuses a
    // reservation beyond what is on hand.
    this.addSql(`create table stock (
      id uuid primary key,
      product_id uuid not null,
      store_id uuid not null references store (id) on delete cascade,
      on_hand integer not null check (on_hand >= 0),
      reserved integer not null default 0,
      low_stock_threshold integer not null default 0 check (low_stock_threshold >= 0),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version integer not null default 1,
      constraint stock_reserved_not_negative check (reserved >= 0),
      constraint stock_reserved_within_on_hand check (reserved <= on_hand),
      unique (product_id, store_id)
    )`);
    this.addSql('create index stock_store_id_idx on stock (store_id)');
    this.addSql(`create table reservation (
      id uuid primary key,
      order_id uuid not null,
      revision integer not null,
      user_id uuid not null,
      status text not null check (status in ('HELD','REJECTED','RELEASED','COMMITTED')),
      reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (order_id, revision)
    )`);
    // Deferred: the ORM knows no relation between the two, so it may insert a line before its reservation.
    this.addSql(`create table reservation_line (
      id uuid primary key,
      reservation_id uuid not null references reservation (id) on delete cascade deferrable initially deferred,
      stock_id uuid not null,
      product_id uuid not null,
      store_id uuid not null,
      quantity integer not null check (quantity > 0)
    )`);
    this.addSql('create index reservation_line_reservation_id_idx on reservation_line (reservation_id)');
    this.addSql(`create table cancelled_order (
      order_id uuid primary key,
      reason text not null,
      cancelled_at timestamptz not null default now()
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists cancelled_order');
    this.addSql('drop table if exists reservation_line');
    this.addSql('drop table if exists reservation');
    this.addSql('drop table if exists stock');
    this.addSql('drop table if exists store');
  }
}
