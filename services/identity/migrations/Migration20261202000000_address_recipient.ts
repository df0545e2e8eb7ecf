import { Migration } from '@mikro-orm/migrations';

// The name on the parcel: optional, so existing addresses stay valid without a backfill (adding a
// nullable column without a default is a catalog change, no table rewrite).
// Unqualified names on purpose: the migrator's search_path puts them into the service's schema.
export class Migration20261202000000_address_recipient extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table address add column if not exists recipient text');
  }

  override async down(): Promise<void> {
    this.addSql('alter table address drop column if exists recipient');
  }
}
