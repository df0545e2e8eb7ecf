// The order's shipping line (issue 12): order.placed / order.lines_changed carry `shipping` (quote id,
// level, price; the order's total includes it), the read model keeps it and the invoice prints it.
// Nullable jsonb without a default (a catalog change, no table rewrite): orders without a shipping
// line, and invoices issued before, have none.
// Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203060000_shipping_line extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table order_view add column if not exists shipping jsonb');
    this.addSql('alter table invoice add column if not exists shipping jsonb');
  }

  override async down(): Promise<void> {
    this.addSql('alter table invoice drop column if exists shipping');
    this.addSql('alter table order_view drop column if exists shipping');
  }
}
