// Lays out what one service's image needs at run time, from a tree where `npm ci` has run:
//   <out>/node_modules/…            only the packages the bundles import and what they depend on,
//                                   at the places package-lock.json put them (so resolution is the same)
//   <out>/services/<svc>/dist/      the bundles and their maps
//   <out>/services/<svc>/package.json and folders the code reads at run time (templates/, data/)
// The closure is walked in package-lock.json (dependencies, optional and peer dependencies that are
// installed, optional peers left out), so a dev-only package never reaches the image unless a
// runtime package needs it.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

interface LockEntry {
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Where Node finds `name` when required from the package at `from` (a lockfile key, '' = the root). */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? (dir.startsWith('node_modules/') ? '' : path.posix.dirname(dir)) : dir.slice(0, cut);
    if (dir === '.') dir = '';
  }
}

/** Lockfile keys (node_modules/…) of `roots`, imported from `from`, and everything they need. */
export function runtimeClosure(root: string, from: string, roots: string[]): string[] {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const found = new Set<string>();
  const visit = (at: string, name: string, required: boolean) => {
    const key = locate(lock.packages, at, name);
    // An optional dependency for another platform is in the lockfile but not on disk.
    if (!key || !existsSync(path.join(root, key))) {
      if (required) throw new Error(`${name} (needed by ${at || 'the bundle'}) is not installed`);
      return;
    }
    if (found.has(key)) return;
    const entry = lock.packages[key]!;
    if (entry.link) throw new Error(`${name} resolves to a workspace link: it should have been bundled`);
    found.add(key);
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, true);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, false);
    // npm installs peers, but not optional ones: those are there only as some other package's
    // dependency (cosmiconfig's optional typescript, 19 MB, is a dev dependency here).
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[dep]?.optional) visit(key, dep, false);
    }
  };
  for (const name of roots) visit(from, name, true);
  return [...found].sort();
}

// Never loaded by node at run time: type declarations, TypeScript sources, source maps, change logs,
// and, at the top of a package only, its tests, docs, examples, benchmarks and CI or Yarn files
// (fastify ships 2 MB of tests and docs, pdfkit a 3 MB Yarn release).
const notNeeded = /(\.d\.[cm]?ts|\.[cm]?ts|\.map|^(README|CHANGELOG|HISTORY)(\.[a-z]+)?)$/i;
const notNeededAtTop = new Set([
  'test',
  'tests',
  '__tests__',
  'docs',
  'example',
  'examples',
  'benchmark',
  'benchmarks',
  '.github',
  '.yarn',
]);

/** Copies each package's own files (its nested node_modules are separate closure entries). */
export function copyPackages(root: string, keys: string[], out: string): void {
  for (const key of keys) {
    const src = path.join(root, key);
    cpSync(src, path.join(out, key), {
      recursive: true,
      filter: (file) => {
        const parts = path.relative(src, file).split(path.sep);
        if (parts.includes('node_modules') || notNeededAtTop.has(parts[0]!)) return false;
        return !notNeeded.test(path.basename(file));
      },
    });
  }
}

// Folders of a service that hold code or its tests, not what the code reads at run time.
const sourceFolders = new Set(['src', 'test', 'migrations', 'node_modules', 'dist']);

export function copyServiceFiles(root: string, service: string, out: string): void {
  const from = path.join(root, 'services', service);
  const to = path.join(out, 'services', service);
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  cpSync(path.join(from, 'dist'), path.join(to, 'dist'), { recursive: true });
  cpSync(path.join(from, 'package.json'), path.join(to, 'package.json'));
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory() && !sourceFolders.has(entry.name)) {
      cpSync(path.join(from, entry.name), path.join(to, entry.name), { recursive: true });
    }
  }
}
