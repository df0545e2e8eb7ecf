// Account erasure (user.erased): the order keeps its lines and totals, its shipping address snapshot
// is removed, and this column says when (the view then shows the address as erased, not as missing).
// Nullable without a default: a catalog change, no table rewrite.
// Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203020000_personal_data_erasure extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table orders add column if not exists personal_data_erased_at timestamptz');
  }

  override async down(): Promise<void> {
    this.addSql('alter table orders drop column if exists personal_data_erased_at');
  }
}
