// The versioned rate table: the newest version is in force; a change adds a version (the quotes made
// with the older one keep naming it), and the very first version is seeded from a JSON file.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { EntityManager, MikroORM } from '@mercato/db';
import { Compile } from 'typebox/compile';
import { validateRateTable } from '../domain/rates.ts';
import { type RateTable, RateTableBody } from '../domain/rates-schema.ts';
import { ratesTable } from './rates-sql.ts';

/** The table shipped with the service: realistic EUR rates for Germany, the EU and the world. */
export const BUNDLED_RATE_TABLE_FILE = fileURLToPath(new URL('../../data/rate-table.json', import.meta.url));

export interface StoredRateTable {
  version: number;
  table: RateTable;
  createdAt: Date;
}

interface RateTableRow {
  version: number;
  currency: string;
  zones: RateTable['zones'];
  created_at: Date | string;
}

const toStored = (r: RateTableRow): StoredRateTable => ({
  version: r.version,
  table: { currency: r.currency.trim(), zones: r.zones },
  createdAt: new Date(r.created_at),
});

/** The table in force (the newest version); undefined only before the seed ran. */
export async function currentRateTable(em: EntityManager): Promise<StoredRateTable | undefined> {
  const [row] = await em.execute<RateTableRow[]>(
    `select version, currency, zones, created_at from ${ratesTable(em, 'rate_table')}
     order by version desc limit 1`,
  );
  return row ? toStored(row) : undefined;
}

/**
 * Adds a version after the current one. `check` sees the current version first (If-Match → 412) and
 * may throw. Changes are serialised by a transaction-scoped advisory lock per schema: two admins
 * saving at once both read version n otherwise, and the second would fail on the key instead of
 * being told its read was stale.
 */
export async function replaceRateTable(
  orm: MikroORM,
  table: RateTable,
  createdBy: string,
  check: (currentVersion: number) => void,
): Promise<StoredRateTable> {
  return orm.em.fork().transactional(async (em) => {
    const name = ratesTable(em, 'rate_table');
    await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`mercato.rate_table.${name}`]);
    const current = await currentRateTable(em);
    const currentVersion = current?.version ?? 0;
    check(currentVersion);
    const [row] = await em.execute<RateTableRow[]>(
      `insert into ${name} (version, currency, zones, created_by) values (?, ?, ?::jsonb, ?)
       returning version, currency, zones, created_at`,
      [currentVersion + 1, table.currency, JSON.stringify(table.zones), createdBy],
    );
    return toStored(row!);
  });
}

const checkTable = Compile(RateTableBody);

export class RateTableFileError extends Error {
  override name = 'RateTableFileError';
}

/** Reads and validates a rate table file: a bad file is refused with every reason, in one message. */
export async function readRateTableFile(file: string, currency: string): Promise<RateTable> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new RateTableFileError(`rate table ${file}: cannot be read as JSON (${(err as Error).message})`);
  }
  if (!checkTable.Check(parsed)) {
    const reasons = [...checkTable.Errors(parsed)].map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new RateTableFileError(`rate table ${file}: ${reasons.join('; ')}`);
  }
  const issues = validateRateTable(parsed);
  if (issues.length > 0)
    throw new RateTableFileError(
      `rate table ${file}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    );
  if (parsed.currency !== currency)
    throw new RateTableFileError(
      `rate table ${file} is in ${parsed.currency}, but SHIPPING_CURRENCY is ${currency}: set RATE_TABLE_FILE to a table in ${currency}`,
    );
  return parsed;
}

/**
 * Stores version 1 from `file` when there is no table yet; returns whether it did. Replicas starting
 * together both try: the key keeps one. The file is read only when needed, so a deployment whose
 * table was since changed by an admin does not depend on it.
 */
export async function seedRateTable(orm: MikroORM, file: string, currency: string): Promise<boolean> {
  const em = orm.em.fork();
  if (await currentRateTable(em)) return false;
  const table = await readRateTableFile(file, currency);
  const rows = await em.execute<{ version: number }[]>(
    `insert into ${ratesTable(em, 'rate_table')} (version, currency, zones) values (1, ?, ?::jsonb)
     on conflict (version) do nothing returning version`,
    [table.currency, JSON.stringify(table.zones)],
  );
  return rows.length > 0;
}
