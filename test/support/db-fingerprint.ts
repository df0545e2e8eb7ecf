// A fingerprint of everything a system's services have stored: one hash per table over every row,
// so a test can prove that a request changed nothing (compare before and after) and say which table
// it did change. Meant for the small data sets of a test; it reads whole tables.
import { TEST_DATABASE_URL } from '@mercato/testing';
import pg from 'pg';

/** `schema.table` → md5 of the table's rows (in a stable order). */
export type DbFingerprint = Map<string, string>;

// The migrator's bookkeeping is not the services' data.
const IGNORED_TABLES = new Set(['mikro_orm_migrations']);

export interface DbFingerprinter {
  take(): Promise<DbFingerprint>;
  /** Waits until two fingerprints `gapMs` apart are equal (nothing is still being processed). */
  settle(opts?: { gapMs?: number; timeoutMs?: number }): Promise<DbFingerprint>;
  close(): Promise<void>;
}

export async function dbFingerprinter(schemas: readonly string[]): Promise<DbFingerprinter> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  let query: string | undefined;

  const buildQuery = async () => {
    const { rows } = await client.query<{ table_schema: string; table_name: string }>(
      `select table_schema, table_name from information_schema.tables
        where table_schema = any($1) and table_type = 'BASE TABLE' order by 1, 2`,
      [schemas],
    );
    const parts = rows
      .filter((r) => !IGNORED_TABLES.has(r.table_name))
      .map((r) => {
        const name = `"${r.table_schema}"."${r.table_name}"`;
        return `select '${r.table_schema}.${r.table_name}' as name,
                  md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as hash
                  from ${name} t`;
      });
    return parts.join('\nunion all\n');
  };

  const take = async (): Promise<DbFingerprint> => {
    query ??= await buildQuery();
    if (!query) return new Map();
    const { rows } = await client.query<{ name: string; hash: string }>(query);
    return new Map(rows.map((r) => [r.name, r.hash]));
  };

  return {
    take,
    async settle({ gapMs = 500, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let last = await take();
      for (;;) {
        await new Promise((r) => setTimeout(r, gapMs));
        const next = await take();
        if (changedTables(last, next).length === 0) return next;
        if (Date.now() > deadline) {
          throw new Error(`the database did not settle: still changing ${changedTables(last, next)}`);
        }
        last = next;
      }
    },
    close: () => client.end(),
  };
}

/** The tables whose content differs between two fingerprints (added or removed ones included). */
export function changedTables(before: DbFingerprint, after: DbFingerprint): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}
