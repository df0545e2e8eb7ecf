// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (payments, or a test's).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261122010000_payments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table payment (
      id uuid primary key,
      order_id uuid not null,
      user_id uuid not null,
      revision integer not null check (revision >= 1),
      attempt integer not null check (attempt >= 1),
      amount numeric(16,4) not null check (amount >= 0),
      currency char(3) not null,
      payment_method jsonb not null,
      idempotency_key text not null unique,
      status text not null check (status in ('pending','succeeded','failed')),
      failure_reason text,
      provider_ref text,
      refunded_amount numeric(16,4) not null default 0 check (refunded_amount >= 0 and refunded_amount <= amount),
      tries integer not null default 0,
      next_try_at timestamptz not null default now(),
      causation_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (order_id, revision, attempt)
    )`);
    this.addSql('create index payment_user_id_created_at_idx on payment (user_id, created_at desc)');
    this.addSql("create index payment_pending_idx on payment (next_try_at) where status = 'pending'");
    this.addSql(`create table refund (
      id uuid primary key,
      payment_id uuid not null references payment (id),
      order_id uuid not null,
      user_id uuid not null,
      amount numeric(16,4) not null check (amount > 0),
      currency char(3) not null,
      reason text not null,
      status text not null check (status in ('pending','succeeded','failed')),
      failure_reason text,
      provider_ref text,
      tries integer not null default 0,
      next_try_at timestamptz not null default now(),
      causation_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    this.addSql('create index refund_payment_id_idx on refund (payment_id)');
    this.addSql("create index refund_pending_idx on refund (next_try_at) where status = 'pending'");
    this.addSql(`create table order_cancellation (
      order_id uuid primary key,
      reason text not null,
      cancelled_at timestamptz not null default now()
    )`);
    this.addSql(`create table idempotency_key (
      user_id uuid not null,
      key text not null,
      fingerprint text not null,
      resource_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (user_id, key)
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists idempotency_key');
    this.addSql('drop table if exists order_cancellation');
    this.addSql('drop table if exists refund');
    this.addSql('drop table if exists payment');
  }
}
