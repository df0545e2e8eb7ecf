// Unqualified SQL on purpose: the migrator sets search_path to the ORM's schema (catalog, or a test's).
// pg_trgm is the exception: extensions are database-wide, so it lives in `public` and everything
// taken from it is qualified with `public.` and resolves whatever schema this runs in.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000100_catalog extends Migration {
  override async up(): Promise<void> {
    // Two schemas may migrate at once (replicas, parallel test files): their per-schema migration
    // locks do not exclude each other, and concurrent CREATE EXTENSION IF NOT EXISTS can still fail
    // with a duplicate key. This transaction-scoped lock serialises just that statement.
    this.addSql(`select pg_advisory_xact_lock(hashtext('mercato.create-extension.pg_trgm'))`);
    this.addSql('create extension if not exists pg_trgm with schema public');

    this.addSql(`create table category (
      id uuid primary key,
      slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
      name text not null,
      created_at timestamptz not null default now()
    )`);

    this.addSql(`create table product (
      id uuid primary key,
      name text not null check (length(btrim(name)) > 0),
      description text not null default '',
      category text not null references category (slug),
      price numeric(12,2) not null check (price >= 0),
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      attributes jsonb not null default '{}',
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version integer not null default 1,
      -- Maintained by PostgreSQL itself, so no write path can forget it. Name and author weigh most.
      search_vector tsvector generated always as (
        setweight(to_tsvector('english'::regconfig, name), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(attributes ->> 'author', '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, category), 'B') ||
        setweight(to_tsvector('english'::regconfig, description), 'C')
      ) stored
    )`);
    // Names are unique regardless of case: "The Hobbit" and "the hobbit" are the same product.
    this.addSql('create unique index product_name_key on product (lower(name))');
    this.addSql('create index product_category_idx on product (category)');
    this.addSql('create index product_price_idx on product (price)');
    this.addSql('create index product_created_at_idx on product (created_at)');
    this.addSql('create index product_search_idx on product using gin (search_vector)');
    this.addSql('create index product_name_trgm_idx on product using gin (name public.gin_trgm_ops)');
    this.addSql(
      `create index product_author_trgm_idx on product using gin ((attributes ->> 'author') public.gin_trgm_ops)`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists product');
    this.addSql('drop table if exists category');
  }
}
