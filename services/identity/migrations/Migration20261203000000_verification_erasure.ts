import { Migration } from '@mikro-orm/migrations';

// E-mail verification and account erasure (issue 11). Both new columns are nullable without a
// default: a catalog change, no table rewrite. Accounts that exist already count as unverified (their
// owners never confirmed an address); POST /auth/verify/resend sends them a link.
// Unqualified names on purpose: the migrator's search_path puts them into the service's schema.
export class Migration20261203000000_verification_erasure extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table app_user add column if not exists email_verified_at timestamptz');
    this.addSql('alter table app_user add column if not exists erased_at timestamptz');
    this.addSql(`create table if not exists email_verification (
      id uuid primary key,
      user_id uuid not null references app_user (id),
      token_hash text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null
    )`);
    this.addSql(
      'create unique index if not exists email_verification_hash_unique on email_verification (token_hash)',
    );
    this.addSql('create index if not exists email_verification_user_idx on email_verification (user_id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists email_verification');
    this.addSql('alter table app_user drop column if exists erased_at');
    this.addSql('alter table app_user drop column if exists email_verified_at');
  }
}
