// How a service process is started outside a container, by `npm start` (scripts/start.ts) and by the
// tests and benchmarks that must run the system as shipped (test/support/system.ts, `shipped: true`):
// the service's bundles, built if their sources changed, run by the command of its package.json
// `start` script — the image's CMD (the Dockerfile; scripts/build/build.test.ts checks they agree).
// One place, so `npm start`, the benchmarks and the images cannot drift apart.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleService, isFresh, ROOT } from './bundle.ts';

/** The command every service's package.json `start` runs, from services/<svc>: the image's CMD. */
export const SHIPPED_START =
  'node --enable-source-maps --max-semi-space-size=2 --import ./dist/instrument.js ./dist/server.js';

/** Folders under services/ that hold a service (a src/server.ts); one being written may not yet. */
export function serviceNames(): string[] {
  return readdirSync(path.join(ROOT, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(ROOT, 'services', d.name, 'src', 'server.ts')))
    .map((d) => d.name)
    .sort();
}

export interface Launch {
  /** The node running this script (Node 24 from node_modules/.bin under npm), not a shell or npm. */
  command: string;
  args: string[];
  cwd: string;
}

/**
 * What to spawn for a service: its package.json `start` script's node arguments, run by this
 * process's node (so the process a caller signals is the service itself), from services/<svc>.
 * `nodeArgs` go first (a CPU profile: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']).
 */
export function launchOf(service: string, nodeArgs: string[] = []): Launch {
  const cwd = path.join(ROOT, 'services', service);
  const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8'));
  const script: string | undefined = pkg.scripts?.start;
  const words = script?.trim().split(/\s+/) ?? [];
  if (words[0] !== 'node') {
    throw new Error(
      `services/${service}/package.json: "start" must be a node command, is ${JSON.stringify(script)}`,
    );
  }
  return { command: process.execPath, args: [...nodeArgs, ...words.slice(1)], cwd };
}

/**
 * Bundles every service in `services` whose dist/ is missing or older than its sources (all at
 * once: esbuild works in parallel). Resolves with the ones it built and how long it took.
 */
export async function ensureBuilt(services: string[]): Promise<{ built: string[]; ms: number }> {
  const started = performance.now();
  const stale = services.filter((s) => !isFresh(s));
  await Promise.all(stale.map((s) => bundleService(s)));
  return { built: stale, ms: performance.now() - started };
}
