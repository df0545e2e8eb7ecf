// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (notifications, or a test's).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202200000_notifications extends Migration {
  override async up(): Promise<void> {
    // One row per mail: queued by a consumer (in its inbox transaction), sent by the sender worker.
    // recipient, subject, bodies and attachments are nulled when the user is erased.
    this.addSql(`create table notification (
      id uuid primary key,
      user_id uuid,
      event_id uuid not null,
      event_type text not null,
      template text not null,
      kind text not null check (kind in ('transactional','marketing')),
      recipient text,
      subject text,
      html text,
      text text,
      attachments jsonb not null default '[]',
      headers jsonb not null default '{}',
      status text not null check (status in ('queued','sent','failed','suppressed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz,
      smtp_response text,
      last_error text,
      message_id text,
      erase_after_send boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      sent_at timestamptz,
      unique (event_id, recipient)
    )`);
    // The sender's poll: queued rows due now, oldest due first.
    this.addSql(
      `create index notification_due_idx on notification (next_attempt_at) where status = 'queued'`,
    );
    // GET /notifications (own, newest first) and erasure by user.
    this.addSql('create index notification_user_idx on notification (user_id, id desc)');
    // Read model of identity's users: where a user's mail goes. An erased user stays as a tombstone
    // (email null, erased true) so late events for them are dropped instead of retried.
    this.addSql(`create table user_contact (
      user_id uuid primary key,
      email text,
      username text,
      name text,
      erased boolean not null default false,
      updated_at timestamptz not null default now()
    )`);
    // What a customer chose (PATCH /notifications/preferences); no row = the defaults.
    this.addSql(`create table preference (
      user_id uuid primary key,
      marketing boolean not null default false,
      unsubscribe_token text not null unique,
      version integer not null default 1,
      updated_at timestamptz not null default now()
    )`);
    // Read model of orders (from order.placed) for the later mails: total and named lines.
    this.addSql(`create table order_view (
      order_id uuid primary key,
      user_id uuid not null,
      total_amount numeric(16,4) not null,
      currency char(3) not null,
      lines jsonb not null,
      placed_at timestamptz not null default now()
    )`);
    this.addSql('create index order_view_user_idx on order_view (user_id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists order_view');
    this.addSql('drop table if exists preference');
    this.addSql('drop table if exists user_contact');
    this.addSql('drop table if exists notification');
  }
}
