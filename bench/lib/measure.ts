// What a benchmark run cost, read from the operating system and PostgreSQL's own counters: CPU time
// per process (Linux /proc), transactions, rows and WAL of the benchmark's database, per-table work,
// and pgbench on the same server as a yardstick for the machine.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { TEST_DATABASE_URL } from '@mercato/testing';
import pg from 'pg';

const USER_HZ = 100;

export const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;

/** User + system CPU seconds a process has used so far, or undefined once it is gone. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** CPU seconds so far of each named service process (replicas of one name are summed). */
export function serviceCpuSeconds(services: { name: string; pid?: number }[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const s of services) {
    if (!s.pid) continue;
    const secs = processCpuSeconds(s.pid);
    if (secs !== undefined) result.set(s.name, (result.get(s.name) ?? 0) + secs);
  }
  return result;
}

const INFRA: Record<string, string> = {
  postgres: 'postgres',
  'beam.smp': 'rabbitmq',
  'redis-server': 'redis',
};

/**
 * CPU seconds so far of PostgreSQL (every backend), RabbitMQ and Redis on this machine. Backends that
 * exit during a run take their CPU time with them: PostgreSQL's figure is a lower bound.
 */
export function infraCpuSeconds(): Map<string, number> {
  const result = new Map<string, number>(Object.values(INFRA).map((n) => [n, 0]));
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = INFRA[stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))];
      if (!name) continue;
      result.set(name, result.get(name)! + (processCpuSeconds(Number(pid)) ?? 0));
    } catch {}
  }
  return result;
}

/** Every process's CPU seconds: the services by name, then postgres, rabbitmq, redis. */
export function cpuSnapshot(services: { name: string; pid?: number }[]): Map<string, number> {
  return new Map([...serviceCpuSeconds(services), ...infraCpuSeconds()]);
}

/** after − before per process, in the snapshot's order. */
export function cpuDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([name, secs]) => [name, secs - (before.get(name) ?? 0)]));
}

export interface DatabaseWork {
  xacts: number;
  written: number;
  read: number;
  walRecords: number;
  walBytes: number;
  autovacuum: string;
  /**
   * Statements run in this database so far (`begin` and `commit` included, each statement of a
   * multi-statement query apart), where the server preloads pg_stat_statements — not the default:
   * `alter system set shared_preload_libraries = 'pg_stat_statements'` and a restart.
   */
  statements?: number;
}

async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The server's counters for the benchmark's database so far (every schema: all services and the
 * outboxes); `databaseUrl` names it (default the tests' database). WAL is the whole server's.
 */
export function databaseWork(databaseUrl = TEST_DATABASE_URL): Promise<DatabaseWork> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query(
      `select d.xact_commit + d.xact_rollback as xacts, d.tup_inserted + d.tup_updated + d.tup_deleted as written,
              d.tup_returned + d.tup_fetched as read, w.wal_records, w.wal_bytes, current_setting('autovacuum') as autovacuum
         from pg_stat_database d, pg_stat_wal w where d.datname = current_database()`,
    );
    const r = rows[0];
    const statements = await statementCalls(client);
    return {
      ...(statements === undefined ? {} : { statements }),
      xacts: Number(r.xacts),
      written: Number(r.written),
      read: Number(r.read),
      walRecords: Number(r.wal_records),
      walBytes: Number(r.wal_bytes),
      autovacuum: r.autovacuum,
    };
  });
}

/** pg_stat_statements' calls in the client's database; undefined where the server does not preload it. */
async function statementCalls(client: pg.Client): Promise<number | undefined> {
  const { rows } = await client.query(
    `select current_setting('shared_preload_libraries') like '%pg_stat_statements%' as preloaded`,
  );
  if (!rows[0].preloaded) return undefined;
  await client.query('create extension if not exists pg_stat_statements');
  const { rows: calls } = await client.query(
    `select coalesce(sum(calls), 0)::bigint as calls from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database())`,
  );
  return Number(calls[0].calls);
}

export type TableWork = Map<string, { written: number; read: number; statements: number }>;

/** Rows written (inserted + updated + deleted) and read so far per table name, summed over schemas. */
export function tableWork(databaseUrl = TEST_DATABASE_URL): Promise<TableWork> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query(
      `select relname, sum(n_tup_ins + n_tup_upd + n_tup_del) as written,
              sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)) as read,
              sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)) as scans
         from pg_stat_user_tables where relname not like 'pgbench%' group by relname`,
    );
    return new Map(
      rows.map((r) => [
        r.relname,
        { written: Number(r.written), read: Number(r.read), statements: Number(r.scans) },
      ]),
    );
  });
}

/** Per-table work per order between two readings, busiest first. */
export function printTableWork(before: TableWork, after: TableWork, orders: number): void {
  const byTable = [...after]
    .map(([table, a]) => {
      const b = before.get(table) ?? { written: 0, read: 0, statements: 0 };
      const per = (k: 'written' | 'read' | 'statements') => (a[k] - b[k]) / orders;
      return { table, written: per('written'), read: per('read'), scans: per('statements') };
    })
    .filter((t) => t.written >= 0.05 || t.scans >= 0.05)
    .sort((x, y) => y.written - x.written || y.scans - x.scans);
  console.log('per order, by table (rows written / scans / rows read):');
  for (const t of byTable) {
    console.log(
      `  ${t.table.padEnd(28)} ${t.written.toFixed(2).padStart(6)} ${t.scans.toFixed(2).padStart(6)} ${t.read.toFixed(1).padStart(8)}`,
    );
  }
}

/** TPC-B-like pgbench on a scratch database of the same server: the machine's yardstick. */
export function pgbench(seconds: number): number | undefined {
  const url = new URL(TEST_DATABASE_URL);
  const base = ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres'];
  const db = 'mercato_pgbench';
  const psql = (sql: string) =>
    execFileSync('psql', [...base, '-d', 'postgres', '-qc', sql], { stdio: 'ignore' });
  try {
    psql(`drop database if exists ${db}`);
    psql(`create database ${db}`);
    execFileSync('pgbench', [...base, '-i', '-s', '10', '-q', db], { stdio: 'ignore' });
    const out = execFileSync('pgbench', [...base, '-c', '8', '-j', '2', '-T', String(seconds), db], {
      encoding: 'utf8',
    });
    const match = /tps = ([\d.]+)/.exec(out);
    return match ? Number(match[1]) : undefined;
  } catch (err) {
    console.log(`pgbench:    not run (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  } finally {
    try {
      psql(`drop database if exists ${db}`);
    } catch {}
  }
}
