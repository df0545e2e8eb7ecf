// What inventory last said about each product's stock (stock.levels_changed), so product reads show
// availability without asking inventory. `version` is inventory's: only a higher one replaces a row.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261220000000_product_availability extends Migration {
  override async up(): Promise<void> {
    // No foreign key to product: inventory may announce stock of a product before the catalog has
    // it (or after it was deleted); the level is kept for when it appears.
    this.addSql(`create table product_availability (
      product_id uuid primary key,
      available integer not null check (available >= 0),
      availability text not null check (availability in ('in_stock', 'low', 'out_of_stock')),
      version bigint not null,
      updated_at timestamptz not null default now()
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists product_availability');
  }
}
