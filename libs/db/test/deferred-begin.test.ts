// A transaction's `begin` travels with its first statement (deferred-begin.ts): fewer round trips,
// the same transaction. Counted here at the client: what reaches the server, and what it makes of it.
import { isolatedSchema, TEST_DATABASE_URL } from '@mercato/testing';
import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import t from 'tap';
import { createOrm, deferBeginOn } from '../src/index.ts';

/** A client whose queries to the server are counted, with the deferred begin on top. */
async function countingClient(t: { teardown(fn: () => unknown): void }) {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  t.teardown(() => client.end());
  const sent: string[] = [];
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]) {
    sent.push(typeof args[0] === 'string' ? args[0] : 'submittable');
    return (query as (...a: unknown[]) => unknown).apply(client, args);
  } as typeof client.query;
  deferBeginOn(client);
  return { client, sent };
}

async function table(t: { teardown(fn: () => unknown): void }) {
  const schema = await isolatedSchema(t, 't_dbbegin');
  const name = `"${schema}".thing`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  t.teardown(() => admin.end());
  await admin.query(`create table ${name} (id text primary key)`);
  const ids = async () => (await admin.query(`select id from ${name} order by id`)).rows.map((r) => r.id);
  return { name, ids };
}

t.test('begin goes with a first statement without parameters: one round trip, one transaction', async (t) => {
  const { name, ids } = await table(t);
  const { client, sent } = await countingClient(t);

  t.equal((await client.query('begin')).command, 'BEGIN');
  const inserted = await client.query(`insert into ${name} (id) values ('a') returning id`);
  t.same(inserted.rows, [{ id: 'a' }], 'the statement answers as it would alone');
  t.equal(inserted.command, 'INSERT');
  t.same(await ids(), [], 'not visible outside before the commit: the transaction is open');
  await client.query(`insert into ${name} (id) values ($1)`, ['b']);
  await client.query('commit');
  t.same(await ids(), ['a', 'b'], 'both committed together');
  t.same(sent, [
    `begin;insert into ${name} (id) values ('a') returning id`,
    `insert into ${name} (id) values ($1)`,
    'commit',
  ]);
});

t.test('a rollback undoes the folded statement', async (t) => {
  const { name, ids } = await table(t);
  const { client } = await countingClient(t);
  await client.query('begin');
  await client.query(`insert into ${name} (id) values ('a')`);
  await client.query('rollback');
  t.same(await ids(), []);
});

t.test('begin before a statement with parameters: sent just before it, same transaction', async (t) => {
  const { name, ids } = await table(t);
  const { client, sent } = await countingClient(t);
  await client.query('begin');
  await client.query(`insert into ${name} (id) values ($1)`, ['a']);
  t.same(await ids(), [], 'in a transaction');
  await client.query('rollback');
  t.same(await ids(), [], 'rolled back');
  t.same(sent, ['begin', `insert into ${name} (id) values ($1)`, 'rollback']);
});

t.test('a transaction with no statement costs no round trip', async (t) => {
  const { client, sent } = await countingClient(t);
  await client.query('begin');
  t.equal((await client.query('commit')).command, 'COMMIT');
  await client.query('begin');
  await client.query('rollback');
  t.same(sent, []);
  const { rows } = await client.query('select 1 as one');
  t.same(rows, [{ one: 1 }], 'the client goes on as usual');
});

t.test('a failing first statement fails; after the rollback the client is usable', async (t) => {
  const { client } = await countingClient(t);
  await client.query('begin');
  await t.rejects(client.query('select 1/0'), /division by zero/);
  await t.rejects(
    client.query('select 1'),
    /current transaction is aborted/,
    'inside the failed transaction',
  );
  await client.query('rollback');
  t.same((await client.query('select 2 as two')).rows, [{ two: 2 }]);
});

const Thing = defineEntity({ name: 'Thing', properties: { id: p.string().primary() } });
class CreateThing extends Migration {
  override async up() {
    this.addSql('create table thing (id text primary key)');
  }
}

t.test("the ORM's transactions: committed together, or not at all", async (t) => {
  const schema = await isolatedSchema(t, 't_dbbegin_orm');
  const migrations = [{ name: 'Migration20261204000000_thing', class: CreateThing }];
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities: [Thing], migrations, poolMax: 1 });
  t.teardown(() => orm.close(true));
  const ids = async () =>
    (await orm.em.fork().execute<{ id: string }[]>('select id from thing order by id')).map((r) => r.id);

  await orm.em.fork().transactional(async (em) => {
    await em.execute(`insert into thing (id) values ('raw')`);
    em.create(Thing, { id: 'entity' });
  });
  t.same(await ids(), ['entity', 'raw']);

  const failed = await orm.em
    .fork()
    .transactional(async (em) => {
      await em.execute(`insert into thing (id) values ('lost')`);
      throw new Error('the handler failed');
    })
    .catch((err: Error) => err.message);
  t.equal(failed, 'the handler failed');
  t.same(await ids(), ['entity', 'raw'], 'the failed transaction left nothing');

  // An empty transaction, then a plain statement on the same (only) connection.
  await orm.em.fork().transactional(async () => {});
  t.same(await ids(), ['entity', 'raw'], 'the pool connection is clean after it');
});
