// A hold whose order's payment was declined yields to other buyers (issue 9, stock hoarding):
// `declined_at` marks it (payment.failed), a retry unmarks it (payment.retry_started), and
// `payment_event_at` keeps the newest of those events, so one arriving late changes nothing.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261215000000_declined_holds extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table reservation add column declined_at timestamptz');
    this.addSql('alter table reservation add column payment_event_at timestamptz');
    // The reservation path looks here only when stock is short: the few holds that may be reclaimed.
    this.addSql(
      `create index reservation_declined_held_idx on reservation (declined_at)
        where status = 'HELD' and declined_at is not null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists reservation_declined_held_idx');
    this.addSql('alter table reservation drop column if exists payment_event_at');
    this.addSql('alter table reservation drop column if exists declined_at');
  }
}
