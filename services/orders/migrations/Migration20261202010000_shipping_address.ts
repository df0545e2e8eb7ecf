// The shipping address as it was when the order was placed (recipient as name, street, city, postal
// code, country), so the order and its invoice do not change when the address is edited or deleted
// in identity. Nullable: orders placed before have none (a catalog change, no table rewrite).
// Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202010000_shipping_address extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table orders add column if not exists shipping_address jsonb');
  }

  override async down(): Promise<void> {
    this.addSql('alter table orders drop column if exists shipping_address');
  }
}
