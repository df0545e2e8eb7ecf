// Running the external tools (helm, promtool, npm, tar, unzip, apt-get, dpkg) synchronously.
import { spawnSync } from 'node:child_process';
import { repoRoot } from './repo.ts';

export function run(cmd: string, argv: string[], opts: { cwd?: string; timeoutMs?: number } = {}) {
  const res = spawnSync(cmd, argv, {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    ok: res.status === 0,
    status: res.status,
    stdout: res.stdout ?? '',
    stderr: res.stderr ?? '',
    error: res.error,
  };
}

export const commandExists = (cmd: string, versionArg = '--version') =>
  run(cmd, [versionArg], { timeoutMs: 10_000 }).ok;
