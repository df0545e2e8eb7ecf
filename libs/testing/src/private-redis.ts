// A Redis server of the test's own on a free port, without persistence, so a test can take it away
// and bring it back empty, as a production Redis without persistence comes back. The shared Redis on
// 6379 must never be stopped or flushed: other tests use it.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import {
  freeTcpPort,
  killPidFile,
  onProcessExit,
  ownedTempDir,
  sleep,
  waitForPort,
} from './private-common.ts';

export interface PrivateRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** SHUTDOWN NOSAVE; the directory is removed. */
  stop(): Promise<void>;
  /** Takes the server away (SHUTDOWN NOSAVE, or SIGKILL with `kill`); `start()` brings it back empty. */
  down(opts?: { kill?: boolean }): Promise<void>;
  start(): Promise<void>;
  /** down, `downMs` with nothing listening, start: the server comes back empty. */
  restart(opts?: { downMs?: number; kill?: boolean }): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = ownedTempDir('mercato-redis', (old) => killPidFile(path.join(old, 'redis.pid')));
  const pidFile = path.join(dir, 'redis.pid');
  const port = await freeTcpPort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    if (child) return;
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--pidfile',
        pidFile,
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    child = proc;
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        if (child === proc) child = undefined;
        resolve();
      }),
    );
    await waitForPort(port, 10_000);
  };

  const down = async ({ kill = false } = {}) => {
    if (!child) return;
    if (kill) {
      child.kill('SIGKILL');
    } else {
      const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on('error', () => {});
      // SHUTDOWN closes the connection instead of answering: the rejection is the expected outcome.
      await admin
        .connect()
        .then(() => admin.call('SHUTDOWN', 'NOSAVE'))
        .catch(() => {});
      admin.disconnect();
    }
    await Promise.race([exited, sleep(5_000)]);
    if (child) child.kill('SIGKILL');
    await exited;
  };

  const cancelExitHook = onProcessExit(() => child?.kill('SIGKILL'));
  try {
    await start();
  } catch (err) {
    child?.kill('SIGKILL');
    cancelExitHook();
    throw err;
  }

  return {
    url,
    port,
    down,
    start,
    async restart({ downMs = 0, kill = false } = {}) {
      await down({ kill });
      await sleep(downMs);
      await start();
    },
    async stop() {
      await down();
      cancelExitHook();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
