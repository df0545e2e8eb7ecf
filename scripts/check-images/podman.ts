// The container engine calls check:images makes: build, run, wait, stop. podman by default (no
// registry and no Docker daemon here); CONTAINER_ENGINE=docker works the same way.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ENGINE = process.env.CONTAINER_ENGINE ?? 'podman';
export const BASE_IMAGE = 'docker.io/library/node:24.22.3-slim';

async function engine(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run(ENGINE, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * `npm ci` inside the build reaches the registry only with this machine's CA bundle: given as build
 * mounts (../shared/containers/README.md), so nothing of the machine ends up in an image. Elsewhere
 * (no such files) the build runs without them.
 */
function caMounts(): string[] {
  const bundle = '/etc/ssl/certs/ca-certificates.crt';
  const npmrc = path.join(
    process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
    'mercato-containers/npmrc-hostca',
  );
  if (ENGINE !== 'podman' || !existsSync(bundle) || !existsSync(npmrc)) return [];
  return ['-v', `${bundle}:/etc/host-ca-bundle.crt:ro`, '-v', `${npmrc}:/usr/local/etc/npmrc:ro`];
}

/** Builds one service's image; on failure the error carries the build's last lines. */
export async function buildImage(root: string, service: string, image: string): Promise<void> {
  const args = ['build', ...(ENGINE === 'podman' ? ['--pull=never'] : [])];
  args.push(...caMounts(), '--build-arg', `SERVICE=${service}`, '-t', image, root);
  try {
    await run(ENGINE, args, { timeout: 20 * 60_000, maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${ENGINE} build of ${service} failed:\n${tail || e.message}`);
  }
}

export async function imageBytes(image: string): Promise<number> {
  return Number(await engine(['image', 'inspect', '--format', '{{.Size}}', image]));
}

/** The chart's security settings: read-only root, non-root, every capability dropped, no new privileges. */
export async function runContainer(name: string, image: string, env: Record<string, string>): Promise<void> {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await engine([
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    '--init',
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--user',
    '1000:1000',
    ...envArgs,
    image,
  ]);
}

export async function isRunning(name: string): Promise<boolean> {
  return (await engine(['inspect', '--format', '{{.State.Running}}', name]).catch(() => 'false')) === 'true';
}

export async function logsTail(name: string, lines = 25): Promise<string> {
  const { stdout, stderr } = await run(ENGINE, ['logs', '--tail', String(lines), name]).catch(() => ({
    stdout: '',
    stderr: '(no logs)',
  }));
  return `${stdout}${stderr}`.trim();
}

/** SIGTERM, up to `graceSeconds` to exit, then removed; resolves to the seconds the stop took. */
export async function stopAndRemove(name: string, graceSeconds = 20): Promise<number> {
  const started = Date.now();
  await engine(['stop', '-t', String(graceSeconds), name], (graceSeconds + 30) * 1000).catch(() => {});
  const seconds = (Date.now() - started) / 1000;
  await engine(['rm', '-f', name]).catch(() => {});
  return seconds;
}
