// The outbox and inbox are queue tables: they carry their own autovacuum settings (and the outbox a
// fillfactor), whatever the server's defaults, in a freshly migrated schema and in one migrated
// before those settings existed.
import { migrateDatabase } from '@mercato/db';
import { isolatedSchema, TEST_DATABASE_URL } from '@mercato/testing';
import pg from 'pg';
import t from 'tap';
import {
  messagingEntities,
  messagingMigration,
  messagingMigrations,
  messagingQueueTablesMigration,
} from '../src/index.ts';

/** The storage parameters of `table` in `schema`, as PostgreSQL keeps them (pg_class.reloptions). */
async function storageParameters(schema: string, table: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ reloptions: string[] | null }>(
      `select c.reloptions from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relname = $2`,
      [schema, table],
    );
    if (rows.length !== 1) throw new Error(`${schema}.${table} not found`);
    return Object.fromEntries(
      (rows[0]!.reloptions ?? []).map((option) => {
        const at = option.indexOf('=');
        return [option.slice(0, at), option.slice(at + 1)];
      }),
    );
  } finally {
    await client.end();
  }
}

const queueSettings = {
  autovacuum_vacuum_scale_factor: '0',
  autovacuum_vacuum_threshold: '1000',
  autovacuum_analyze_scale_factor: '0',
  autovacuum_analyze_threshold: '1000',
  autovacuum_vacuum_cost_delay: '0',
};

const migrate = (schema: string, migrations: typeof messagingMigrations) =>
  migrateDatabase({
    url: TEST_DATABASE_URL,
    schema,
    entities: messagingEntities,
    migrations: [...migrations],
  });

t.test('a migrated schema: the outbox and the inbox carry queue-table settings', async (t) => {
  const schema = await isolatedSchema(t, 't_msg_q');
  await migrate(schema, messagingMigrations);
  t.same(await storageParameters(schema, 'outbox'), { fillfactor: '70', ...queueSettings });
  t.same(await storageParameters(schema, 'inbox'), queueSettings);
});

t.test('a schema migrated before the settings existed gets them as a pending migration', async (t) => {
  const schema = await isolatedSchema(t, 't_msg_q');
  await migrate(schema, [messagingMigration]);
  t.same(await storageParameters(schema, 'outbox'), {}, 'the tables start with the server defaults');
  const applied = await migrate(schema, messagingMigrations);
  t.same(applied, [messagingQueueTablesMigration.name]);
  t.same(await storageParameters(schema, 'outbox'), { fillfactor: '70', ...queueSettings });
  t.same(await storageParameters(schema, 'inbox'), queueSettings);
});
