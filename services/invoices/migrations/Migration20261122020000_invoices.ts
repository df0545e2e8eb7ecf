// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (invoices, or a test's).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261122020000_invoices extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table order_view (
      order_id uuid primary key,
      user_id uuid not null,
      revision integer not null,
      lines jsonb not null,
      total_amount numeric(16,4) not null,
      currency char(3) not null,
      billing_address jsonb,
      billing_address_id uuid not null,
      updated_at timestamptz not null default now()
    )`);
    this.addSql(`create table order_payment (
      order_id uuid primary key,
      payment_id uuid not null,
      user_id uuid not null,
      revision integer not null,
      amount numeric(16,4) not null,
      currency char(3) not null,
      paid_at timestamptz not null default now()
    )`);
    // One row per year; `update ... set last = last + 1 returning last` in the invoice's transaction
    // hands out the next number and is undone with it, which is what keeps the numbers gapless.
    this.addSql(`create table invoice_counter (
      year integer primary key,
      last integer not null default 0 check (last >= 0)
    )`);
    this.addSql(`create table invoice (
      id uuid primary key,
      year integer not null,
      number integer not null check (number >= 1),
      order_id uuid not null unique,
      user_id uuid not null,
      payment_id uuid not null,
      order_revision integer not null,
      lines jsonb not null,
      total_amount numeric(16,4) not null,
      currency char(3) not null,
      billing_address jsonb,
      billing_address_id uuid not null,
      issued_at timestamptz not null default now(),
      unique (year, number)
    )`);
    this.addSql('create index invoice_user_id_issued_at_idx on invoice (user_id, issued_at desc)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists invoice');
    this.addSql('drop table if exists invoice_counter');
    this.addSql('drop table if exists order_payment');
    this.addSql('drop table if exists order_view');
  }
}
