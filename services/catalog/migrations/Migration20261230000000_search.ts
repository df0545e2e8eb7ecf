// Search (issue 15): a configurable text-search language, every searchable field in one weighted
// vector (title A, author B, category and other text attributes C, description D), the vocabulary
// the typo tolerance corrects against, the sales figures ranking breaks ties with, and the indexes
// type-ahead reads. Unqualified SQL on purpose (the migrator sets search_path to the service's schema).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261230000000_search extends Migration {
  override async up(): Promise<void> {
    // The catalog's language (SEARCH_LANGUAGE); the service writes it at start. Products take it
    // when written, and the service re-vectorises the products of another language at start.
    this.addSql(`create table search_settings (
      id boolean primary key default true check (id),
      config regconfig not null default 'english'
    )`);
    this.addSql(`insert into search_settings (id, config) values (true, 'english')`);

    this.addSql(`alter table product add column search_config regconfig not null default 'english'`);
    // The category's display name ("Science Fiction"), kept on the product so the generated vector
    // can hold it (a generated column cannot read another table).
    this.addSql(`alter table product add column category_name text not null default ''`);
    this.addSql('drop index if exists product_name_trgm_idx');
    this.addSql('drop index if exists product_author_trgm_idx');
    this.addSql('alter table product drop column search_vector');
    this.addSql(`alter table product add column search_vector tsvector generated always as (
        setweight(to_tsvector(search_config, name), 'A') ||
        setweight(to_tsvector(search_config, coalesce(attributes ->> 'author', '')), 'B') ||
        setweight(to_tsvector(search_config, category_name), 'C') ||
        setweight(jsonb_to_tsvector(search_config, attributes - 'author' - 'isbn', '["string"]'), 'C') ||
        setweight(to_tsvector(search_config, description), 'D')
      ) stored`);
    // The title's lexemes without positions: equal to the query's when the query IS the title (stop words,
    // case, word order and stemming aside): the first rank.
    this.addSql(`alter table product add column name_key tsvector generated always as (
        strip(to_tsvector(search_config, name))
      ) stored`);
    this.addSql('create index product_search_idx on product using gin (search_vector)');
    // Type-ahead: words of titles and authors by prefix, unstemmed ('simple').
    this.addSql(
      `create index product_name_words_idx on product using gin (to_tsvector('simple'::regconfig, name))`,
    );
    // Titles that begin with what is typed, in order (byte order: a range scan for the prefix).
    this.addSql('create index product_name_prefix_idx on product ((lower(name) collate "C"))');
    this.addSql(
      `create index product_author_words_idx on product using gin (to_tsvector('simple'::regconfig, coalesce(attributes ->> 'author', '')))`,
    );

    this.addSql(`create function product_search_defaults() returns trigger language plpgsql as $$
      begin
        new.category_name := coalesce((select c.name from category c where c.slug = new.category), '');
        new.search_config := coalesce((select s.config from search_settings s), new.search_config);
        return new;
      end $$`);
    this.addSql(`create trigger product_search_defaults before insert or update of category, search_config
      on product for each row execute function product_search_defaults()`);
    this.addSql(`create function category_name_to_products() returns trigger language plpgsql as $$
      begin
        update product set category_name = new.name where category = new.slug and category_name <> new.name;
        return null;
      end $$`);
    this.addSql(`create trigger category_name_to_products after update of name on category
      for each row execute function category_name_to_products()`);

    // The vocabulary: every word (3+ letters, unstemmed, lower case) of every searchable field, with
    // the number of products holding it. The typo tolerance corrects query words into these words.
    this.addSql(`create table search_term (
      term text primary key,
      docs integer not null default 0
    )`);
    // Symmetric-delete index: each word under itself and the strings left by deleting one letter
    // (words of 3+ letters) or two (6+). A query word within the allowed edits of a vocabulary word
    // shares one of these strings with it (transpositions included), so candidates are index hits.
    this.addSql(`create table search_term_variant (
      variant text not null,
      term text not null,
      primary key (variant, term)
    )`);
    this.addSql(`create function search_words(name text, attributes jsonb, category_name text, description text)
      returns text[] language sql immutable as $$
        select coalesce(array_agg(w order by w), '{}')
        from unnest(tsvector_to_array(to_tsvector('simple'::regconfig, concat_ws(' ',
          name, attributes ->> 'author', category_name, description,
          (select string_agg(v, ' ') from jsonb_each_text(attributes - 'author' - 'isbn') e(k, v)
            where jsonb_typeof(attributes -> k) = 'string'))))) w
        where w ~ '^[[:alpha:]]{3,}$'
      $$`);
    this.addSql(`create function search_term_variants(term text) returns setof text language sql immutable as $$
        with d1 as (
          select distinct left(term, i - 1) || substr(term, i + 1) as v
          from generate_series(1, length(term)) i where length(term) >= 3
        )
        select term
        union select v from d1
        union select left(d1.v, i - 1) || substr(d1.v, i + 1)
          from d1, generate_series(1, length(d1.v)) i where length(term) >= 6
      $$`);
    this.addSql(`create function search_terms_sync() returns trigger language plpgsql as $$
      declare
        before_words text[] := '{}';
        after_words text[] := '{}';
      begin
        if tg_op <> 'INSERT' then
          before_words := search_words(old.name, old.attributes, old.category_name, old.description);
        end if;
        if tg_op <> 'DELETE' then
          after_words := search_words(new.name, new.attributes, new.category_name, new.description);
        end if;
        if before_words = after_words then return null; end if;
        -- One statement in word order: concurrent writers lock shared words in the same order.
        insert into search_term (term, docs)
          select w, sum(d)::int from (
            select w, 1 as d from unnest(after_words) w where not w = any(before_words)
            union all
            select w, -1 from unnest(before_words) w where not w = any(after_words)
          ) x group by w order by w
        on conflict (term) do update set docs = search_term.docs + excluded.docs;
        return null;
      end $$`);
    this.addSql(`create trigger product_search_terms after insert or update or delete on product
      for each row execute function search_terms_sync()`);
    this.addSql(`create function search_term_variants_sync() returns trigger language plpgsql as $$
      begin
        insert into search_term_variant (variant, term)
          select v, new.term from search_term_variants(new.term) v order by v
        on conflict do nothing;
        return null;
      end $$`);
    this.addSql(`create trigger search_term_variants after insert on search_term
      for each row execute function search_term_variants_sync()`);
    // A bulk load disables product_search_terms and calls this once.
    this.addSql(`create function search_terms_rebuild() returns void language sql as $$
        delete from search_term_variant;
        delete from search_term;
        insert into search_term (term, docs)
          select w, count(*) from product p,
            unnest(search_words(p.name, p.attributes, p.category_name, p.description)) w
          group by w;
      $$`);

    // Popularity: units sold, from orders' order.confirmed (catalog.product-sales consumer).
    this.addSql(`create table product_sales (
      product_id uuid primary key,
      units bigint not null default 0 check (units >= 0),
      updated_at timestamptz not null default now()
    )`);

    // Existing products: their category names and vocabulary.
    this.addSql('update product p set category_name = c.name from category c where c.slug = p.category');
    this.addSql('select search_terms_rebuild()');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists product_sales');
    this.addSql('drop trigger if exists product_search_terms on product');
    this.addSql('drop trigger if exists product_search_defaults on product');
    this.addSql('drop trigger if exists category_name_to_products on category');
    this.addSql('drop table if exists search_term_variant');
    this.addSql('drop table if exists search_term');
    this.addSql('drop table if exists search_settings');
  }
}
