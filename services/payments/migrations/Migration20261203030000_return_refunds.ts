// Refunds of returned lines (return.received) name the return they are for. Unique, so a return is
// refunded at most once whatever copies of its event arrive (the inbox only stops a redelivery of the
// same message id). Null for the other refunds (admin, cancellation, superseded revision), which the
// partial index leaves out.
// Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203030000_return_refunds extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table refund add column return_id uuid');
    this.addSql('create unique index refund_return_id_key on refund (return_id) where return_id is not null');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists refund_return_id_key');
    this.addSql('alter table refund drop column if exists return_id');
  }
}
