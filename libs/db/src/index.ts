// One MikroORM per service, bound to the service's own PostgreSQL schema. The same entities and the
// same (unqualified) migrations serve `identity` in production and `t_abc123` in a test: the schema
// is configuration, never code.
//
// Who migrates (DATABASE_MIGRATIONS, `migrations` below):
// - 'startup' (default): every start creates the schema if missing and runs pending migrations under
//   an advisory lock — one role does everything (development, tests, `npm start`). A start that finds
//   every migration recorded (the usual one) only reads the tracking table: no lock, no migrator.
// - 'only': the same, then grants the runtime role (DATABASE_RUNTIME_ROLE) its data rights; run by a
//   role that owns the schema, as a migrate step (Kubernetes init container) before the service.
// - 'off': no DDL at all — no CREATE SCHEMA, no tracking table, no migration; the start fails with
//   MigrationsError naming the schema and its pending migrations if the migrate step has not run.
//   This is how a service runs with a role that may only read and write rows (grants.ts).
// Nothing else at run time does DDL: the messaging tables (outbox, inbox) are migrations too, and
// the broker's topology lives in RabbitMQ.
import type { AnyEntity, EntityClass, EntitySchema, MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { releaseBrokenClients } from './broken-connections.ts';
import { deferBegin } from './deferred-begin.ts';
import { grantRuntimeRole, IDENTIFIER, quote } from './grants.ts';

export type { EntityManager } from '@mikro-orm/postgresql';
export { MikroORM };

export interface CreateOrmOptions {
  /** DATABASE_URL */
  url: string;
  /** the service's schema ('identity'); tests pass an isolated one */
  schema: string;
  /** the service's entities (+ `messagingEntities` from @mercato/messaging) */
  entities: ReadonlyArray<EntitySchema<any, any> | EntityClass<AnyEntity>>;
  /** migration classes (in order), or a folder holding migration files */
  migrations: MigrationObject[] | { path: string };
  debug?: boolean;
  /** connection pool size (default 10) */
  poolMax?: number;
  /** DATABASE_MIGRATIONS: 'startup' (default) and 'only' migrate; 'off' only checks (see the top) */
  migrationsMode?: MigrationsMode;
  /** DATABASE_RUNTIME_ROLE: granted data rights on the schema after migrating (grants.ts) */
  runtimeRole?: string;
}

export type MigrationsMode = 'startup' | 'only' | 'off';

/** The schema is not migrated (mode 'off'), or migrating it failed (mode 'only'): one line that says what to do. */
export class MigrationsError extends Error {
  override name = 'MigrationsError';
}

/**
 * Creates the schema if missing, runs pending migrations into it, and returns the ORM; with
 * `migrationsMode: 'off'`, only checks that nothing is pending (no DDL).
 */
export async function createOrm(opts: CreateOrmOptions): Promise<MikroORM> {
  return (await openOrm(opts)).orm;
}

/**
 * DATABASE_MIGRATIONS=only: migrates the schema, grants the runtime role, closes the ORM, and
 * returns the names of the migrations it ran.
 */
export async function migrateDatabase(opts: Omit<CreateOrmOptions, 'migrationsMode'>): Promise<string[]> {
  const { orm, applied } = await openOrm({ ...opts, migrationsMode: 'only' });
  await orm.close(true);
  return applied;
}

async function openOrm(opts: CreateOrmOptions): Promise<{ orm: MikroORM; applied: string[] }> {
  const mode = opts.migrationsMode ?? 'startup';
  if (!IDENTIFIER.test(opts.schema)) {
    throw new Error(`createOrm: schema must match [a-z_][a-z0-9_]* (got ${JSON.stringify(opts.schema)})`);
  }
  const list = Array.isArray(opts.migrations) ? opts.migrations : undefined;
  const path = Array.isArray(opts.migrations) ? undefined : opts.migrations.path;
  const orm = await MikroORM.init({
    clientUrl: opts.url,
    // `schema` qualifies every entity table; `migrations.schema` makes the migrator `set search_path`
    // before each migration and keeps its tracking table there, so unqualified migration SQL lands
    // in this schema too.
    schema: opts.schema,
    entities: [...opts.entities] as any,
    extensions: [Migrator],
    debug: opts.debug ?? false,
    pool: { max: opts.poolMax ?? 10 },
    // search_path as a startup parameter: raw SQL (`em.execute`) finds the service's tables unqualified
    // too, and it survives the migrator's `reset search_path` (a reset returns to the startup value).
    driverOptions: {
      options: `-c search_path=${opts.schema},public`,
      // A database restart must not leak the connections of the transactions it cut short.
      onPoolCreated: (pool: pg.Pool) => {
        releaseBrokenClients(pool);
        // A transaction's `begin` goes with its first statement, not in a round trip of its own.
        deferBegin(pool);
      },
    },
    migrations: {
      schema: opts.schema,
      tableName: 'mikro_orm_migrations',
      ...(list ? { migrationsList: list } : { path, pathTs: path }),
      transactional: true,
      allOrNothing: true,
      // Running migrations must never write snapshot files (a test schema would leak into them);
      // snapshots belong to `migration:create` only.
      snapshotOnMigrate: false,
      silent: true,
    },
  });
  try {
    if (mode === 'off') {
      await assertMigrated(orm, opts.schema, list);
      return { orm, applied: [] };
    }
    // Nearly every start finds its schema at the latest migration: one query says so, and the
    // migrator (its set-up and its several round trips under the lock) is left out. Grants for a
    // runtime role are repeated by the full path only.
    if (list && !opts.runtimeRole && (await pendingNames(orm, opts.schema, list))?.length === 0)
      return { orm, applied: [] };
    return { orm, applied: await migrate(orm, opts.url, opts.schema, opts.runtimeRole) };
  } catch (err) {
    await orm.close(true);
    if (mode === 'only' && !(err instanceof MigrationsError)) {
      const why = String((err as Error)?.message ?? err).split('\n')[0];
      throw new MigrationsError(`migrating schema "${opts.schema}" failed: ${why}`, { cause: err });
    }
    throw err;
  }
}

/**
 * Two replicas may start at once: an advisory lock per schema (held on a connection of its own,
 * since the migrator uses pooled connections) lets one of them migrate while the other waits.
 */
async function migrate(orm: MikroORM, url: string, schema: string, runtimeRole?: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString: url });
  ignoreDrops(lock);
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', [`mercato.migrate.${schema}`]);
    // Looked up first: CREATE SCHEMA IF NOT EXISTS checks the CREATE right on the database before it
    // looks, so it would fail for an owner role whose schema a DBA created beforehand.
    const { rowCount } = await lock.query('select 1 from pg_namespace where nspname = $1', [schema]);
    if (!rowCount) await lock.query(`create schema ${quote(schema)}`);
    const applied = await orm.migrator.up();
    if (runtimeRole) await grantRuntimeRole(lock, schema, runtimeRole);
    return applied.map((m) => m.name);
  } finally {
    await lock.end(); // ends the session, which releases the advisory lock
  }
}

/**
 * DATABASE_MIGRATIONS=off: reads the tracking table (the runtime role may SELECT it) and compares it
 * with the service's migrations. The migrator's own checks would create the tracking table when it
 * is missing, so that case is looked up here first.
 */
async function assertMigrated(orm: MikroORM, schema: string, list?: MigrationObject[]): Promise<void> {
  let pending: string[];
  if (list) {
    pending = (await pendingNames(orm, schema, list)) ?? list.map((m) => m.name);
  } else {
    const [found] = await orm.em
      .fork()
      .execute('select to_regclass(?) is not null as tracked', [`${quote(schema)}.mikro_orm_migrations`]);
    if (found?.tracked) pending = (await orm.migrator.getPending()).map((m) => m.name);
    else pending = ['all (the schema has never been migrated)'];
  }
  if (pending.length === 0) return;
  throw new MigrationsError(
    `schema "${schema}" has ${pending.length} pending migration(s): ${pending.join(', ')}; ` +
      'DATABASE_MIGRATIONS=off does not migrate: run the migrate init container (DATABASE_MIGRATIONS=only) first',
  );
}

/**
 * The migrations of `list` not recorded in the schema's tracking table, in order (names as the
 * migrator records them: without .ts/.js); undefined when there is no tracking table (or no schema)
 * yet. One plain query: no DDL, no migrator. Read without the advisory lock: the migrator records a
 * run's migrations in the transaction that applies them, so a run in progress shows none of them.
 */
async function pendingNames(
  orm: MikroORM,
  schema: string,
  list: MigrationObject[],
): Promise<string[] | undefined> {
  let rows: { name: string }[];
  try {
    rows = await orm.em.fork().execute(`select name from ${quote(schema)}.mikro_orm_migrations`);
  } catch (err) {
    if ((err as { code?: string }).code === UNDEFINED_TABLE) return undefined;
    throw err;
  }
  const recorded = new Set(rows.map((r) => migrationName(r.name)));
  return list.map((m) => migrationName(m.name)).filter((name) => !recorded.has(name));
}

/** PostgreSQL's undefined_table: the schema or its tracking table does not exist yet. */
const UNDEFINED_TABLE = '42P01';
const migrationName = (name: string) => name.replace(/\.[jt]s$/, '');

/**
 * A pg Client whose server goes away emits 'error', and an 'error' event nobody listens to ends the
 * process. The query in flight rejects on its own (and that is what callers handle), so the event
 * itself needs nothing more than a listener.
 */
function ignoreDrops(client: pg.Client): void {
  client.on('error', () => {});
}

/** Drops a schema and everything in it (tests, and tearing down a preview environment). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  ignoreDrops(client);
  await client.connect();
  try {
    await client.query(`drop schema if exists ${quote(schema)} cascade`);
  } finally {
    await client.end();
  }
}

export { type AfterCommit, afterCommitHooks } from './after-commit.ts';
export { deferBegin, deferBeginOn } from './deferred-begin.ts';
export { deleteExpiredRows, type ExpiryOptions } from './expiry.ts';
export { runtimeGrants } from './grants.ts';
