// A PostgreSQL server of the test's own (initdb into a temporary directory, a free port), so a test
// can restart it for real. The shared server on 5432 must never be stopped: other tests use it.
// PostgreSQL refuses to run as root: as root it runs as the `postgres` user (via runuser); as anyone
// else (a CI runner) as that user itself.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  execFileAsync,
  freeTcpPort,
  onProcessExit,
  ownedTempDir,
  sleep,
  waitForPort,
} from './private-common.ts';

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  url: string;
  port: number;
  /** Fast shutdown, then the directory is removed. */
  stop(): Promise<void>;
  /**
   * A real restart: `pg_ctl stop -m fast` (every open connection is terminated with "terminating
   * connection due to administrator command"), `downMs` with nothing listening, then start again on
   * the same port with the same data.
   */
  restart(opts?: { downMs?: number }): Promise<void>;
}

const asRoot = process.getuid?.() === 0;
const RUN_AS = asRoot ? 'postgres' : undefined;

/** The newest installed PostgreSQL's bin directory (/usr/lib/postgresql/<version>/bin). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error(`no PostgreSQL under ${root}`);
  return path.join(root, versions[0], 'bin');
}

/** [command, args] that run a PostgreSQL program as RUN_AS (or as ourselves). */
function command(bin: string, args: string[]): [string, string[]] {
  const program = path.join(binDir(), bin);
  return RUN_AS ? ['runuser', ['-u', RUN_AS, '--', program, ...args]] : [program, args];
}

async function run(bin: string, args: string[]): Promise<void> {
  await execFileAsync(...command(bin, args));
}

const pgCtl = (args: string[]) => run('pg_ctl', args);

function stopNowSync(dataDir: string): void {
  execFileSync(...command('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate']), { stdio: 'ignore' });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = ownedTempDir('mercato-pg', (old) => stopNowSync(path.join(old, 'data')), RUN_AS);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const port = await freeTcpPort();

  await run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  // Speed over durability: the data lives as long as the test. The socket goes to our own directory so
  // the shared server's /var/run/postgresql is untouched.
  writeFileSync(
    path.join(dataDir, 'postgresql.auto.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 300',
      'log_min_messages = warning',
      '',
    ].join('\n'),
  );
  if (RUN_AS) execFileSync('chown', [`${RUN_AS}:${RUN_AS}`, path.join(dataDir, 'postgresql.auto.conf')]);

  const start = async () => {
    await pgCtl(['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60']);
    await waitForPort(port, 10_000);
  };
  const cancelExitHook = onProcessExit(() => stopNowSync(dataDir));
  let stopped = false;
  try {
    await start();
  } catch (err) {
    cancelExitHook();
    throw err;
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart({ downMs = 0 } = {}) {
      await pgCtl(['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
      await sleep(downMs);
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      cancelExitHook();
      await pgCtl(['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']).catch(() => {});
      await execFileAsync('rm', ['-rf', dir]);
    },
  };
}
