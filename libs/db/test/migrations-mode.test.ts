// createOrm's migrations modes against a real PostgreSQL: 'off' never does DDL (no tracking table
// appears in a schema that was never migrated, and the error names every pending migration);
// 'startup' with a runtime role grants it row rights, as 'only' does (migrateDatabase).
import { isolatedSchema, TEST_DATABASE_URL, uniqueName } from '@mercato/testing';
import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import t from 'tap';
import { createOrm, MigrationsError, migrateDatabase } from '../src/index.ts';

const ThingSchema = defineEntity({ name: 'Thing', properties: { id: p.string().primary() } });

class CreateThing extends Migration {
  override async up() {
    this.addSql('create table thing (id text primary key)');
  }
}
class CreateOther extends Migration {
  override async up() {
    this.addSql('create table other (id text primary key)');
  }
}
const migrations = [
  { name: 'Migration20261203000000_thing', class: CreateThing },
  { name: 'Migration20261203000001_other', class: CreateOther },
];
const options = (schema: string) => ({ url: TEST_DATABASE_URL, schema, entities: [ThingSchema], migrations });

async function sql(text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

t.test('off on a schema that was never migrated: no DDL, every migration named', async (t) => {
  const schema = await isolatedSchema(t, 't_off');
  await t.rejects(
    createOrm({ ...options(schema), migrationsMode: 'off' }),
    new MigrationsError(
      `schema "${schema}" has 2 pending migration(s): Migration20261203000000_thing, Migration20261203000001_other; ` +
        'DATABASE_MIGRATIONS=off does not migrate: run the migrate init container (DATABASE_MIGRATIONS=only) first',
    ),
  );
  const tables = await sql('select table_name from information_schema.tables where table_schema = $1', [
    schema,
  ]);
  t.same(tables, [], 'not even the tracking table was created');
});

t.test('off on a missing schema does not create it', async (t) => {
  const schema = uniqueName('t_off_missing');
  t.teardown(() => sql(`drop schema if exists ${schema} cascade`));
  await t.rejects(createOrm({ ...options(schema), migrationsMode: 'off' }), MigrationsError);
  t.same(await sql('select 1 from pg_namespace where nspname = $1', [schema]), [], 'no schema');
});

t.test('off on a partly migrated schema names only what is pending, then starts once migrated', async (t) => {
  const schema = await isolatedSchema(t, 't_off');
  const first = await createOrm({ ...options(schema), migrations: migrations.slice(0, 1) });
  await first.close(true);
  await t.rejects(createOrm({ ...options(schema), migrationsMode: 'off' }), {
    message: new RegExp(`^schema "${schema}" has 1 pending migration\\(s\\): Migration20261203000001_other;`),
  });
  t.same(await migrateDatabase(options(schema)), ['Migration20261203000001_other'], 'only applies the rest');
  const orm = await createOrm({ ...options(schema), migrationsMode: 'off' });
  await orm.close(true);
  t.pass('off starts');
});

t.test('startup with a runtime role grants it row rights only', async (t) => {
  const schema = await isolatedSchema(t, 't_grant');
  const role = uniqueName('t_rt');
  await sql(`create role ${role} nologin`);
  t.teardown(async () => {
    await sql(`drop owned by ${role} cascade`);
    await sql(`drop role ${role}`);
  });
  const orm = await createOrm({ ...options(schema), runtimeRole: role });
  await orm.close(true);
  const rights = await sql(
    `select t.table_name,
            has_table_privilege($1, format('%I.%I', $2::text, t.table_name), 'select') as sel,
            has_table_privilege($1, format('%I.%I', $2::text, t.table_name), 'insert') as ins,
            has_table_privilege($1, format('%I.%I', $2::text, t.table_name), 'truncate') as trunc
       from information_schema.tables t where t.table_schema = $2 order by t.table_name`,
    [role, schema],
  );
  t.same(rights, [
    { table_name: 'mikro_orm_migrations', sel: true, ins: false, trunc: false },
    { table_name: 'other', sel: true, ins: true, trunc: false },
    { table_name: 'thing', sel: true, ins: true, trunc: false },
  ]);
  const [schemaRights] = await sql(
    `select has_schema_privilege($1, $2, 'usage') as usage, has_schema_privilege($1, $2, 'create') as create`,
    [role, schema],
  );
  t.same(schemaRights, { usage: true, create: false }, 'usage on the schema, no create');
});

t.test('a runtime role that is not an identifier is refused', async (t) => {
  const schema = await isolatedSchema(t, 't_grant');
  await t.rejects(migrateDatabase({ ...options(schema), runtimeRole: 'app; drop table x' }), {
    message: /migrating schema ".*" failed: DATABASE_RUNTIME_ROLE must match/,
  });
});

t.test('an owner role without CREATE on the database migrates the schema a DBA made for it', async (t) => {
  const owner = uniqueName('t_owner');
  const schema = uniqueName('t_dba');
  await sql(`create role ${owner} login`);
  await sql(`create schema ${schema} authorization ${owner}`);
  t.teardown(async () => {
    await sql(`drop schema if exists ${schema} cascade`);
    await sql(`drop owned by ${owner} cascade`);
    await sql(`drop role ${owner}`);
  });
  const url = new URL(TEST_DATABASE_URL);
  url.username = owner;
  url.password = '';
  const applied = await migrateDatabase({ ...options(schema), url: url.toString() });
  t.equal(applied.length, 2, 'both migrations ran (CREATE SCHEMA IF NOT EXISTS would have been refused)');
  const owners = await sql(
    `select distinct pg_get_userbyid(relowner) as owner from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind = 'r'`,
    [schema],
  );
  t.same(owners, [{ owner }], 'its tables belong to the owner role');
});

/** A session holding the migration lock of `schema`, as a replica that is migrating it does. */
async function holdMigrationLock(
  t: { teardown(fn: () => unknown): void },
  schema: string,
): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query('select pg_advisory_lock(hashtext($1))', [`mercato.migrate.${schema}`]);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await client.end(); // ends the session: the lock goes with it
  };
  t.teardown(release);
  return release;
}

t.test('startup with every migration applied does not wait for the migration lock', async (t) => {
  const schema = await isolatedSchema(t, 't_fast');
  const first = await createOrm(options(schema));
  await first.close(true);
  await holdMigrationLock(t, schema);
  // The lock is held for the whole test: only a start that skips the migrator gets through.
  const orm = await createOrm(options(schema));
  t.teardown(() => orm.close(true));
  const [row] = await orm.em.fork().execute('select count(*)::int as n from thing');
  t.same(row, { n: 0 }, 'the ORM works on the migrated schema');
  t.same(
    (await sql(`select name from ${schema}.mikro_orm_migrations order by id`)).map((r) => r.name),
    migrations.map((m) => m.name),
    'nothing was recorded twice',
  );
});

t.test('startup with a pending migration waits for the lock, then applies it', async (t) => {
  const schema = await isolatedSchema(t, 't_fast');
  const first = await createOrm({ ...options(schema), migrations: migrations.slice(0, 1) });
  await first.close(true);
  const release = await holdMigrationLock(t, schema);
  let started = false;
  const starting = createOrm(options(schema)).then((orm) => {
    started = true;
    return orm;
  });
  await new Promise((r) => setTimeout(r, 500));
  t.notOk(started, 'still waiting while another session holds the lock');
  t.same(
    await sql('select to_regclass($1) as other', [`${schema}.other`]),
    [{ other: null }],
    'not applied yet',
  );
  await release();
  const orm = await starting;
  t.teardown(() => orm.close(true));
  t.same(
    (await sql(`select name from ${schema}.mikro_orm_migrations order by id`)).map((r) => r.name),
    migrations.map((m) => m.name),
    'the pending migration ran once the lock was free',
  );
});
