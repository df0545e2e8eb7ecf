// Credit notes (issue 12): one per return received (return.received), numbered gaplessly per year in
// their own series ("CN-2026-000001") by the invoices' mechanism: a counter row per year, incremented
// in the credit note's own transaction, so a rollback gives the number back.
// Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203060100_credit_notes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table if not exists credit_note_counter (
      year integer primary key,
      last integer not null default 0 check (last >= 0)
    )`);
    // invoice_id: null while the order's invoice is not issued yet; issuing it fills the link in.
    // billing_address_id: null only when neither the invoice nor the order's read model named one.
    this.addSql(`create table if not exists credit_note (
      id uuid primary key,
      year integer not null,
      number integer not null check (number >= 1),
      return_id uuid not null unique,
      order_id uuid not null,
      user_id uuid not null,
      invoice_id uuid,
      store_id uuid not null,
      lines jsonb not null,
      total_amount numeric(16,4) not null check (total_amount >= 0),
      currency char(3) not null,
      billing_address jsonb,
      billing_address_id uuid,
      issued_at timestamptz not null default now(),
      unique (year, number)
    )`);
    this.addSql(
      'create index if not exists credit_note_user_id_issued_at_idx on credit_note (user_id, issued_at desc)',
    );
    // ?orderId= lists, and the invoice filling in the link of its order's credit notes.
    this.addSql('create index if not exists credit_note_order_id_idx on credit_note (order_id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists credit_note');
    this.addSql('drop table if exists credit_note_counter');
  }
}
