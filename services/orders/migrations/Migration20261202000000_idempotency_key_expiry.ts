// Idempotency-Key records expire (IDEMPOTENCY_KEY_TTL_HOURS): the sweeper deletes those older than the
// TTL in batches, and finds them through this index instead of scanning the whole table. `if not
// exists`: on a big table an operator may build it beforehand with `create index concurrently` under
// the same name, so this migration does not hold the table's write lock while it builds.
// Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000000_idempotency_key_expiry extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index if not exists idempotency_key_created_at_idx on idempotency_key (created_at)');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists idempotency_key_created_at_idx');
  }
}
