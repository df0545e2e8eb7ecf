// A transaction whose connection the server terminates (what a PostgreSQL restart or failover does
// to every open one) fails, and its connection goes back to the pool. Without that, each outage leaked
// the connections of the transactions it cut short: a small pool was exhausted for good, and
// orm.close() waited for them forever.
import { isolatedSchema, TEST_DATABASE_URL } from '@mercato/testing';
import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import t from 'tap';
import { createOrm } from '../src/index.ts';

const Thing = defineEntity({ name: 'Thing', properties: { id: p.string().primary() } });
class CreateThing extends Migration {
  override async up() {
    this.addSql('create table thing (id text primary key)');
  }
}
const migrations = [{ name: 'Migration20261202000000_thing', class: CreateThing }];

/** `promise`, or `fallback` when it has not settled within `ms` (a hang becomes a failed assertion). */
function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

t.test('a transaction cut off by the server gives its connection back to the pool', async (t) => {
  const schema = await isolatedSchema(t, 't_dbloss');
  // One connection: if the dead one is not given back, nothing else can ever run.
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities: [Thing], migrations, poolMax: 1 });
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  t.teardown(() => admin.end());

  const failure = await orm.em
    .fork()
    .transactional(async (em) => {
      const [{ pid }] = await em.execute<{ pid: number }[]>('select pg_backend_pid() as pid');
      // Only this test's own session is terminated; the shared server itself stays up.
      await admin.query('select pg_terminate_backend($1)', [pid]);
      em.create(Thing, { id: 'never-stored' });
    })
    .then(
      () => undefined,
      (err: Error) => err,
    );
  t.match(failure?.message, /terminat|not queryable/, 'the transaction fails with the connection loss');

  const next = await within(orm.em.fork().execute('select 1 as one'), 5_000, 'pool exhausted');
  t.same(next, [{ one: 1 }], 'the next query gets a fresh connection');
  t.equal(await orm.em.fork().count(Thing), 0, 'nothing of the failed transaction was stored');
  t.equal(await within(orm.close(true), 5_000, 'close hangs'), undefined, 'close() returns');
});
