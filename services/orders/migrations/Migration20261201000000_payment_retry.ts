// A declined payment no longer cancels the order at once (PAYMENT_RETRY_WINDOW_MS): the order stays
// PENDING and remembers the failure, so the customer can pay again and the sweeper can cancel it when
// the window has passed. Unqualified SQL on purpose (the migrator sets search_path).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261201000000_payment_retry extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table orders add column payment_failed_at timestamptz');
    this.addSql('alter table orders add column payment_failure_reason text');
    // The sweeper's scan for orders whose retry window has passed: only PENDING orders with a failure.
    this.addSql(
      `create index orders_payment_failed_at_idx on orders (payment_failed_at)
       where status = 'PENDING' and payment_failed_at is not null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists orders_payment_failed_at_idx');
    this.addSql('alter table orders drop column if exists payment_failure_reason');
    this.addSql('alter table orders drop column if exists payment_failed_at');
  }
}
