// Returns (issue 12): the units of a return the carrier delivered to a store go back on hand there,
// once per return. `returned_stock` is the marker (one row per return id: a second delivery of the
// same return, under any message id, finds it and changes nothing) and, with its lines, the record
// of which units went back on hand in which store.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261221000000_returned_stock extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table returned_stock (
      return_id uuid primary key,
      order_id uuid not null,
      store_id uuid not null,
      received_at timestamptz not null,
      created_at timestamptz not null default now()
    )`);
    this.addSql('create index returned_stock_order_id_idx on returned_stock (order_id)');
    // store_id: where the units went on hand (the return's store, or the order's original one when
    // that store is gone); no foreign key, the record outlives a store's deletion.
    this.addSql(`create table returned_stock_line (
      id uuid primary key,
      return_id uuid not null references returned_stock (return_id) on delete cascade,
      stock_id uuid not null,
      product_id uuid not null,
      store_id uuid not null,
      quantity integer not null check (quantity > 0)
    )`);
    this.addSql('create index returned_stock_line_return_id_idx on returned_stock_line (return_id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists returned_stock_line');
    this.addSql('drop table if exists returned_stock');
  }
}
