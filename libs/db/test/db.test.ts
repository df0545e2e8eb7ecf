import { fileURLToPath } from 'node:url';
import { isolatedSchema, TEST_DATABASE_URL } from '@mercato/testing';
import { defineEntity, OptimisticLockError, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { afterCommitHooks, createOrm, deleteExpiredRows, dropSchema } from '../src/index.ts';

const WidgetSchema = defineEntity({
  name: 'Widget',
  properties: {
    id: p.string().primary(),
    label: p.string(),
    version: p.integer().version(),
  },
});
class Widget extends WidgetSchema.class {}
WidgetSchema.setClass(Widget);

// Unqualified SQL: the migrator's search_path puts it into whatever schema the ORM is bound to.
class CreateWidget extends Migration {
  override async up() {
    this.addSql(
      'create table widget (id text primary key, label text not null, version integer not null default 1)',
    );
  }
}
const migrations = [{ name: 'Migration20261122000000_widget', class: CreateWidget }];

t.test('migrations run into an isolated schema, and twice is a no-op', async (t) => {
  const schema = await isolatedSchema(t, 't_db');
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities: [WidgetSchema], migrations });
  t.teardown(() => orm.close(true));
  const em = orm.em.fork();
  const rows = await em.execute(
    `select table_schema, table_name from information_schema.tables where table_schema = ? order by table_name`,
    [schema],
  );
  t.same(
    rows.map((r: any) => r.table_name),
    ['mikro_orm_migrations', 'widget'],
    'the table and the migrations table live in the schema',
  );
  const again = await createOrm({ url: TEST_DATABASE_URL, schema, entities: [WidgetSchema], migrations });
  await again.close(true);
  const executed = await em.execute(`select name from "${schema}".mikro_orm_migrations`);
  t.equal(executed.length, 1, 'the migration ran once');

  em.create(Widget, { id: uuidv7(), label: 'a' });
  await em.flush();
  t.equal(await orm.em.fork().count(Widget), 1, 'entities read and write the schema');
});

t.test('two ORMs on different schemas share the entity definitions', async (t) => {
  const a = await isolatedSchema(t, 't_db');
  const b = await isolatedSchema(t, 't_db');
  const ormA = await createOrm({ url: TEST_DATABASE_URL, schema: a, entities: [WidgetSchema], migrations });
  const ormB = await createOrm({ url: TEST_DATABASE_URL, schema: b, entities: [WidgetSchema], migrations });
  t.teardown(async () => {
    await ormA.close(true);
    await ormB.close(true);
  });
  const emA = ormA.em.fork();
  emA.create(Widget, { id: uuidv7(), label: 'in a' });
  await emA.flush();
  t.equal(await ormA.em.fork().count(Widget), 1);
  t.equal(await ormB.em.fork().count(Widget), 0, 'b does not see a');
});

t.test('a stale version raises OptimisticLockError', async (t) => {
  const schema = await isolatedSchema(t, 't_db');
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities: [WidgetSchema], migrations });
  t.teardown(() => orm.close(true));
  const id = uuidv7();
  const em0 = orm.em.fork();
  em0.create(Widget, { id, label: 'v1' });
  await em0.flush();

  const em1 = orm.em.fork();
  const em2 = orm.em.fork();
  const w1 = await em1.findOneOrFail(Widget, id);
  const w2 = await em2.findOneOrFail(Widget, id);
  w1.label = 'first';
  await em1.flush();
  t.equal(w1.version, 2);
  w2.label = 'second';
  await t.rejects(em2.flush(), OptimisticLockError);
  const fresh = await orm.em.fork().findOneOrFail(Widget, id);
  t.equal(fresh.label, 'first');
});

t.test('dropSchema removes a schema', async (t) => {
  const schema = await isolatedSchema(t, 't_db');
  await dropSchema(TEST_DATABASE_URL, schema);
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities: [WidgetSchema], migrations });
  t.teardown(() => orm.close(true));
  t.pass('createOrm re-creates a missing schema');
});

t.test('migrations from a folder run in name order, into the schema', async (t) => {
  const schema = await isolatedSchema(t, 't_db');
  const path = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));
  const orm = await createOrm({
    url: TEST_DATABASE_URL,
    schema,
    entities: [WidgetSchema],
    migrations: { path },
  });
  t.teardown(() => orm.close(true));
  const cols = await orm.em
    .fork()
    .execute(
      `select column_name from information_schema.columns where table_schema = ? and table_name = 'gadget' order by ordinal_position`,
      [schema],
    );
  t.same(
    cols.map((c: any) => c.column_name),
    ['id', 'name'],
  );
  t.same(await orm.em.fork().execute('select * from gadget'), [], 'raw SQL finds the table unqualified');
});

t.test('afterCommitHooks: work runs once its transaction commits, never on a rollback', async (t) => {
  const schema = await isolatedSchema(t, 't_db');
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities: [WidgetSchema], migrations });
  t.teardown(() => orm.close(true));
  const afterCommit = afterCommitHooks(orm);
  const ran: string[] = [];

  await orm.em.fork().transactional(async (em) => {
    em.create(Widget, { id: uuidv7(), label: 'kept' });
    afterCommit(em, async () => {
      // Committed by now: another connection sees the row.
      const seen = await orm.em.fork().count(Widget, { label: 'kept' });
      await new Promise((r) => setTimeout(r, 20));
      ran.push(`committed:${seen}`);
    });
    afterCommit(em, () => ran.push('second'));
    t.same(ran, [], 'nothing runs before the commit');
  });
  t.same(ran.sort(), ['committed:1', 'second'], 'both ran, and the commit waited for them');

  ran.length = 0;
  await t.rejects(
    orm.em.fork().transactional(async (em) => {
      afterCommit(em, () => ran.push('rolled back'));
      throw new Error('boom');
    }),
  );
  // A later commit of another transaction does not run what a rolled-back one queued.
  await orm.em.fork().transactional(async (em) => {
    em.create(Widget, { id: uuidv7(), label: 'other' });
  });
  t.same(ran, [], 'a rollback drops the work');
});

t.test('deleteExpiredRows: old rows go in short batches, young ones stay', async (t) => {
  const schema = await isolatedSchema(t, 't_db');
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities: [WidgetSchema], migrations });
  t.teardown(() => orm.close(true));
  const em = orm.em.fork();
  await em.execute('create table stamp (id serial primary key, created_at timestamptz not null)');
  await em.execute(
    `insert into stamp (created_at)
     select now() - interval '30 hours' from generate_series(1, 250)
     union all select now() - interval '1 hour' from generate_series(1, 5)`,
  );
  const expire = (opts: { batchSize?: number; maxBatches?: number } = {}) =>
    deleteExpiredRows(orm, { table: 'stamp', column: 'created_at', olderThanHours: 24, ...opts });

  t.equal(await expire({ batchSize: 100, maxBatches: 2 }), 200, 'at most maxBatches batches per call');
  t.equal(await expire({ batchSize: 100 }), 50, 'the rest on the next call');
  t.equal(await expire(), 0, 'nothing older is left');
  const [left] = await em.execute<{ n: number }[]>('select count(*)::int as n from stamp');
  t.equal(left!.n, 5, 'rows younger than the age stay');
  await t.rejects(
    deleteExpiredRows(orm, { table: 'stamp; drop table widget', column: 'created_at', olderThanHours: 1 }),
    /bad table/,
  );
});
