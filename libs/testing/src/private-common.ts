// What the private servers (private-postgres/-rabbitmq/-redis) have in common: a free port, a
// temporary directory that records which test process owns it, and clean-up of servers whose owner
// died (a tap timeout or a SIGKILL leaves no chance to stop them, and this machine is shared).
import { execFile, execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const execFileAsync = promisify(execFile);

/** A port nobody listens on right now (the kernel picks it; a race with another process is unlikely). */
export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port; rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() >= deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const OWNER_FILE = 'owner.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A fresh directory `<tmp>/<prefix>-XXXX` owned by `user` (when given), recording this process as its
 * owner. Before making it, every older `<prefix>-*` directory whose owner process is gone is handed to
 * `reap` (which stops the server left running there) and removed.
 */
export function ownedTempDir(prefix: string, reap: (dir: string) => void, user?: string): string {
  const base = os.tmpdir();
  for (const name of readdirSync(base)) {
    if (!name.startsWith(`${prefix}-`)) continue;
    const dir = path.join(base, name);
    const ownerFile = path.join(dir, OWNER_FILE);
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : Number.NaN;
    if (Number.isInteger(owner) && alive(owner)) continue;
    try {
      reap(dir);
    } catch {
      // Best effort: the server may be gone already.
    }
    rmSync(dir, { recursive: true, force: true });
  }
  const dir = mkdtempSync(path.join(base, `${prefix}-`));
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
  if (user) {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** Kills the process whose id is in `pidFile`, if any (SIGKILL: used on orphans and at exit only). */
export function killPidFile(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
}

const exitHooks = new Set<() => void>();

function runExitHooks(): void {
  for (const fn of exitHooks) {
    try {
      fn();
    } catch {
      // The process is exiting: nothing else to do.
    }
  }
  exitHooks.clear();
}

/**
 * Runs `fn` (synchronous) when this process exits, so a test that fails before its teardown, or that
 * tap ends with SIGTERM on a timeout, does not leave a server behind. Returns a function that cancels it.
 */
export function onProcessExit(fn: () => void): () => void {
  if (!process.listeners('exit').includes(runExitHooks)) {
    process.on('exit', runExitHooks);
    // A signal kills Node without 'exit' listeners running (tap ends a file that times out with
    // SIGTERM): stop the servers first, then exit as the signal would have.
    process.once('SIGTERM', () => process.exit(143));
    process.once('SIGINT', () => process.exit(130));
  }
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}
