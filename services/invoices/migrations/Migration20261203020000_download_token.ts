// The invoice's download token (GET /invoices/{id}/pdf?token=…, the link of the invoice e-mail): only
// its SHA-256 (hex) is kept. Nullable without a default (a catalog change, no table rewrite): invoices
// issued before have none, and their PDF needs a login as before.
// Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203020000_download_token extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table invoice add column if not exists download_token_hash text');
  }

  override async down(): Promise<void> {
    this.addSql('alter table invoice drop column if exists download_token_hash');
  }
}
