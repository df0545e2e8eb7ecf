// DATABASE_MIGRATIONS with two PostgreSQL roles, as the chart runs a service: an owner role migrates
// with `only` (the init container) and exits; a runtime role that was granted nothing but row rights
// runs the service with `off` — rows, outbox and inbox work, DDL is refused; pending migrations stop
// an `off` start with one line naming them; a migration added later is covered by the default
// privileges the migrate step granted.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { MigrationsError, runtimeGrants } from '@mercato/db';
import { addToOutbox, Broker, envelope, messagingEntities } from '@mercato/messaging';
import {
  eventually,
  publishEvents,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
} from '@mercato/testing';
import pg from 'pg';
import t from 'tap';
import { buildService, type ServiceConfig } from '../src/index.ts';
import { LATER, laterMigrations } from './fixtures/later-migration.ts';
import { Note, noteMigrations, PING, type TestEvents } from './helpers.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'migrate-service.ts');

const owner = uniqueName('t_own');
const runtime = uniqueName('t_app');
const schema = uniqueName('t_mig');
const exchange = uniqueName('t_mig_ex');

/** TEST_DATABASE_URL as another role (the test server trusts local connections). */
function urlAs(role: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.username = role;
  url.password = '';
  return url.toString();
}

async function query(role: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: urlAs(role) });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}
const admin = (sql: string, params?: unknown[]) => query(new URL(TEST_DATABASE_URL).username, sql, params);

/** Runs `sql` as `role`; resolves to the SQLSTATE it failed with ('' when it did not fail). */
async function sqlState(role: string, sql: string): Promise<string> {
  try {
    await query(role, sql);
    return '';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/** The fixture service as a process; resolves with its exit code and output once it exits. */
function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      DATABASE_SCHEMA: schema,
      // Unreachable on purpose: `only` must connect to nothing but PostgreSQL.
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:9',
      AMQP_EXCHANGE: exchange,
      REDIS_URL: 'redis://127.0.0.1:9',
      JWKS_URL: 'http://127.0.0.1:9/unused',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const logLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; msg: string; applied?: string[] });

function runtimeConfig(): ServiceConfig {
  return {
    LOG_LEVEL: 'silent',
    DATABASE_URL: urlAs(runtime),
    DATABASE_SCHEMA: schema,
    DATABASE_MIGRATIONS: 'off',
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
  };
}

// The two roles as a DBA would make them: the owner may create the schema (CREATE on the database),
// the runtime role may only log in. Both go, with whatever was granted to them, at the end.
await admin(`create role ${owner} login`);
await admin(`create role ${runtime} login`);
await admin(
  `grant create on database ${new URL(TEST_DATABASE_URL).pathname.slice(1) || 'postgres'} to ${owner}`,
);
t.teardown(async () => {
  await admin(`drop schema if exists ${schema} cascade`);
  await admin(`drop owned by ${owner}, ${runtime} cascade`);
  await admin(`drop role if exists ${owner}, ${runtime}`);
  const broker = await Broker.connect({ url: TEST_AMQP_URL, exchange });
  await broker.deleteTopology();
  await broker.close();
});

t.test('the owner role migrates with DATABASE_MIGRATIONS=only and the process exits 0', async (t) => {
  const result = await run({
    DATABASE_MIGRATIONS: 'only',
    DATABASE_URL: urlAs(owner),
    DATABASE_RUNTIME_ROLE: runtime,
  });
  t.equal(result.code, 0, `exit code 0 (stderr: ${result.stderr})`);
  const done = logLines(result.stdout).find((l) => l.msg.startsWith(`migrated schema ${schema}`));
  t.same(
    done?.applied,
    noteMigrations.map((m) => m.name),
    'it logs the migrations it ran',
  );
  t.notMatch(result.stdout, /Server listening/, 'it never listens');

  const { rows } = await admin(
    `select c.relname, pg_get_userbyid(c.relowner) as owner from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind = 'r' order by c.relname`,
    [schema],
  );
  t.same(
    rows,
    ['inbox', 'mikro_orm_migrations', 'note', 'outbox'].map((relname) => ({ relname, owner })),
    'the schema and every table belong to the owner role',
  );
  const schemaOwner = await admin(
    'select pg_get_userbyid(nspowner) as o from pg_namespace where nspname = $1',
    [schema],
  );
  t.equal(schemaOwner.rows[0].o, owner, 'the owner role created the schema');
});

t.test('the runtime role runs the service with off: rows, outbox and inbox, but no DDL', async (t) => {
  const app = await buildService({
    name: 'migrate-test',
    config: runtimeConfig(),
    database: { entities: [...messagingEntities, Note], migrations: noteMigrations },
    redis: false,
    auth: false,
    relay: { pollIntervalMs: 20 },
    async setup({ app, orm, consume }) {
      await consume<TestEvents>('notes', {
        [PING]: async (event, em) => {
          em.create(Note, { id: event.id, text: `handled ${event.data.n}` });
        },
      });
      app.post('/pings', async (_request, reply) => {
        const event = envelope(PING, { n: 2 }, { source: 'migrate-test' });
        await orm.em.fork().transactional((em) => addToOutbox(em, event));
        return reply.code(202).send({ id: event.id });
      });
    },
  });
  t.teardown(() => app.close());
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200, 'ready');

  const published = envelope(PING, { n: 1 }, { source: 'another-service' });
  await publishEvents(exchange, [published]);
  const viaOutbox = (await app.inject({ method: 'POST', url: '/pings' })).json().id as string;
  await eventually(async () => {
    const notes = await app.orm.em.fork().find(Note, { id: [published.id, viaOutbox] });
    if (notes.length < 2) throw new Error(`${notes.length} of 2 handled`);
  });
  t.pass('a published event and one from its own outbox (relayed) were consumed');
  const q = (sql: string) => query(runtime, sql.replaceAll('$schema', schema));
  t.equal((await q('select count(*)::int as n from $schema.inbox')).rows[0].n, 2, 'the inbox recorded both');
  t.equal((await q('select count(*)::int as n from $schema.outbox where sent_at is not null')).rows[0].n, 1);
  await q(`delete from $schema.inbox where handled_at < now() - interval '30 days'`);
  await q(`delete from $schema.outbox where sent_at < now() - interval '30 days'`);
  t.pass('the clean-ups of inbox and outbox (DELETE) are allowed');
  await q(`update $schema.note set text = 'edited' where id = '${viaOutbox}'`);
  t.pass('rows can be updated');

  const refused = {
    'create table': `create table ${schema}.intruder (id int)`,
    'drop table': `drop table ${schema}.note`,
    'alter table': `alter table ${schema}.note add column extra int`,
    'create index': `create index intruder_idx on ${schema}.note (text)`,
    truncate: `truncate ${schema}.outbox`,
    'create schema': `create schema ${schema}_intruder`,
    'forge a migration': `insert into ${schema}.mikro_orm_migrations (name) values ('forged')`,
  };
  for (const [what, sql] of Object.entries(refused)) {
    // 42501 insufficient_privilege; DROP/ALTER of another role's table: 42501 must be owner.
    t.equal(await sqlState(runtime, sql), '42501', `${what} is refused`);
  }
  t.equal(
    (await q('select count(*)::int as n from $schema.mikro_orm_migrations')).rows[0].n,
    noteMigrations.length,
    'reads the tracking table',
  );
});

t.test('off with a pending migration refuses to start, naming the schema and the migration', async (t) => {
  const start = buildService({
    name: 'migrate-test',
    config: runtimeConfig(),
    database: { entities: [...messagingEntities, Note], migrations: laterMigrations },
    redis: false,
    auth: false,
    async setup() {
      t.fail('setup must not run');
    },
  });
  await t.rejects(start, MigrationsError);
  await t.rejects(
    start,
    new RegExp(`^schema "${schema}" has 1 pending migration\\(s\\): ${LATER}; .*DATABASE_MIGRATIONS=only`),
  );
  const tables = await admin(`select to_regclass('${schema}.later') is null as absent`);
  t.ok(tables.rows[0].absent, 'nothing was migrated');

  const proc = await run({
    DATABASE_MIGRATIONS: 'off',
    DATABASE_URL: urlAs(runtime),
    MIGRATIONS: 'later',
  });
  t.not(proc.code, 0, 'as a process it exits non-zero');
  const [line, ...more] = logLines(proc.stdout);
  t.equal(line?.level, 'fatal');
  t.match(
    line?.msg,
    `schema "${schema}" has 1 pending migration(s): ${LATER}`,
    'with one log line naming them',
  );
  t.same(more, [], 'and no other log line');
});

t.test('a migration added later is covered by the default privileges', async (t) => {
  const result = await run({
    DATABASE_MIGRATIONS: 'only',
    DATABASE_URL: urlAs(owner),
    DATABASE_RUNTIME_ROLE: runtime,
    MIGRATIONS: 'later',
  });
  t.equal(result.code, 0, `exit code 0 (stderr: ${result.stderr})`);
  t.same(logLines(result.stdout).at(-1)?.applied, [LATER], 'only the new migration ran');

  const inserted = await query(runtime, `insert into ${schema}.later (text) values ('x') returning id`);
  t.equal(inserted.rows[0].id, 1, 'the runtime role writes the new table and uses its sequence');
  t.equal(await sqlState(runtime, `drop table ${schema}.later`), '42501', 'but cannot drop it');

  const app = await buildService({
    name: 'migrate-test',
    config: runtimeConfig(),
    database: { entities: [...messagingEntities, Note], migrations: laterMigrations },
    redis: false,
    auth: false,
    async setup() {},
  });
  await app.close();
  t.pass('off starts once nothing is pending');
});

t.test('a failed migrate step exits non-zero with one log line', async (t) => {
  const missing = uniqueName('t_nobody');
  const result = await run({
    DATABASE_MIGRATIONS: 'only',
    DATABASE_URL: urlAs(owner),
    DATABASE_RUNTIME_ROLE: missing,
  });
  t.not(result.code, 0, 'non-zero exit');
  const lines = logLines(result.stdout);
  t.equal(lines.length, 1, 'one log line');
  t.equal(lines[0]?.level, 'fatal');
  t.match(lines[0]?.msg, `migrating schema "${schema}" failed: role "${missing}" does not exist`);
});

t.test('the grants are the documented statements', async (t) => {
  t.same(runtimeGrants('orders', 'mercato_app'), [
    'grant usage on schema "orders" to "mercato_app"',
    'grant select, insert, update, delete on all tables in schema "orders" to "mercato_app"',
    'grant usage, select on all sequences in schema "orders" to "mercato_app"',
    'alter default privileges in schema "orders" grant select, insert, update, delete on tables to "mercato_app"',
    'alter default privileges in schema "orders" grant usage, select on sequences to "mercato_app"',
    'revoke insert, update, delete on "orders".mikro_orm_migrations from "mercato_app"',
  ]);
});
