// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (recommendations, or a test's).
import { Migration } from '@mikro-orm/migrations';

// Every write that changes what an answer could say about a product (catalog's facts, inventory's
// verdict, its purchase or view statistics, its pairs) stamps the product row with the writing
// transaction's id. Each replica's read cache asks "which rows were stamped by a transaction not yet
// finished at my last look?" every 100 ms (persistence/read-cache.ts): a change feed that needs no
// NOTIFY in the writing transaction and loses nothing to commit order.
export class Migration20261203140000_change_feed extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table product add column changed_xid xid8 not null default pg_current_xact_id()');
    this.addSql('create index product_changed_idx on product (changed_xid)');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists product_changed_idx');
    this.addSql('alter table product drop column if exists changed_xid');
  }
}
