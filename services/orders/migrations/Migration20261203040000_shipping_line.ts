// The shipping line of an order (issue 12): the quote it was chosen from (shipping's id), the service
// level and the quoted price, in the order's currency; total_amount includes the price. Nullable: orders
// placed without a shipping option (and before) have none; a check keeps the three together. Adding
// nullable columns without defaults is a catalog change, no table rewrite; the check is added NOT VALID
// and validated after, so existing rows are scanned without blocking writes.
// Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203040000_shipping_line extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table orders
      add column if not exists shipping_quote_id uuid,
      add column if not exists shipping_level text,
      add column if not exists shipping_amount numeric(16,4)`);
    this.addSql(`do $$ begin
      if not exists (select 1 from pg_constraint where conname = 'orders_shipping_line_whole'
                     and conrelid = 'orders'::regclass) then
        alter table orders add constraint orders_shipping_line_whole
          check (num_nulls(shipping_quote_id, shipping_level, shipping_amount) in (0, 3)) not valid;
      end if;
    end $$`);
    this.addSql('alter table orders validate constraint orders_shipping_line_whole');
  }

  override async down(): Promise<void> {
    this.addSql(`alter table orders drop constraint if exists orders_shipping_line_whole,
      drop column if exists shipping_quote_id, drop column if exists shipping_level,
      drop column if exists shipping_amount`);
  }
}
