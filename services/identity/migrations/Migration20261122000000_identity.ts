import { Migration } from '@mikro-orm/migrations';

// Unqualified names on purpose: the migrator's search_path puts them into the service's schema.
export class Migration20261122000000_identity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table app_user (
      id uuid primary key,
      email text not null,
      username text not null,
      name text,
      password_hash text not null,
      role text not null check (role in ('customer', 'admin')),
      active boolean not null default true,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      version integer not null default 1
    )`);
    this.addSql('create unique index app_user_email_unique on app_user (email)');
    // Usernames keep their spelling but are unique regardless of case ("Ann" and "ann" are one user).
    this.addSql('create unique index app_user_username_unique on app_user (lower(username))');
    this.addSql('create index app_user_role_active_idx on app_user (role, active)');

    this.addSql(`create table refresh_token (
      id uuid primary key,
      user_id uuid not null references app_user (id),
      family_id uuid not null,
      token_hash text not null,
      access_jti uuid not null,
      access_expires_at timestamptz not null,
      expires_at timestamptz not null,
      rotated_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz not null
    )`);
    this.addSql('create unique index refresh_token_hash_unique on refresh_token (token_hash)');
    this.addSql('create unique index refresh_token_access_jti_unique on refresh_token (access_jti)');
    this.addSql('create index refresh_token_family_idx on refresh_token (family_id)');
    this.addSql('create index refresh_token_user_idx on refresh_token (user_id)');

    this.addSql(`create table password_reset (
      id uuid primary key,
      user_id uuid not null references app_user (id),
      token_hash text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null
    )`);
    this.addSql('create unique index password_reset_hash_unique on password_reset (token_hash)');
    this.addSql('create index password_reset_user_idx on password_reset (user_id)');

    this.addSql(`create table address (
      id uuid primary key,
      user_id uuid not null references app_user (id),
      street text not null,
      city text not null,
      postal_code text not null,
      country char(2) not null,
      is_default boolean not null default false,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      version integer not null default 1
    )`);
    this.addSql('create index address_user_idx on address (user_id)');
    // One default address per user, enforced by the database and not only by the handler.
    this.addSql('create unique index address_one_default_per_user on address (user_id) where is_default');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists address');
    this.addSql('drop table if exists password_reset');
    this.addSql('drop table if exists refresh_token');
    this.addSql('drop table if exists app_user');
  }
}
