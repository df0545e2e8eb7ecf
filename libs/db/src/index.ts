// One MikroORM per service, bound to the service's own PostgreSQL schema. The same entities and the
// same (unqualified) migrations serve `identity` in production and `t_abc123` in a test: the schema
// is configuration, never code.
import type { AnyEntity, EntityClass, EntitySchema, MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { releaseBrokenClients } from './broken-connections.ts';

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
}

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** Creates the schema if missing, runs pending migrations into it, and returns the ORM. */
export async function createOrm(opts: CreateOrmOptions): Promise<MikroORM> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
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
      onPoolCreated: (pool: pg.Pool) => releaseBrokenClients(pool),
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
    await migrate(orm, opts.url, opts.schema);
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}

/**
 * Two replicas may start at once: an advisory lock per schema (held on a connection of its own,
 * since the migrator uses pooled connections) lets one of them migrate while the other waits.
 */
async function migrate(orm: MikroORM, url: string, schema: string): Promise<void> {
  const lock = new pg.Client({ connectionString: url });
  ignoreDrops(lock);
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', [`mercato.migrate.${schema}`]);
    await lock.query(`create schema if not exists ${quote(schema)}`);
    await orm.migrator.up();
  } finally {
    await lock.end(); // ends the session, which releases the advisory lock
  }
}

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
export { deleteExpiredRows, type ExpiryOptions } from './expiry.ts';
