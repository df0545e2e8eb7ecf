// Bundles one service to plain JavaScript with esbuild: services/<svc>/dist/server.js (the service and
// the workspace libs @mercato/* in one ESM file) and dist/instrument.js (the kit's OpenTelemetry
// start-up), each with a source map. npm packages stay external: OpenTelemetry instruments them by
// hooking their loading from node_modules, and some read their own files (pdfkit's fonts).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Bundled {
  service: string;
  distDir: string;
  /** npm packages (names, not paths) the bundles import: what the service needs in node_modules. */
  packages: string[];
  /** Source files in the bundles (relative to the repository root), for checks. */
  inputs: string[];
}

const builtins = new Set(builtinModules);

/** 'fastify' → fastify, '@opentelemetry/api/x' → @opentelemetry/api. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier);
}

const isBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || builtins.has(packageName(specifier));

/** Every bare import except @mercato/* (resolved to libs/*\/src through the workspace links) stays external. */
const externalPackages: Plugin = {
  name: 'external-npm-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@mercato/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * `new URL('../../templates/', import.meta.url)` in a source file must still find the file next to
 * the source once the module lives in dist/: import.meta.url is rewritten to the source file's URL
 * relative to the bundle, so those paths keep working (the image keeps those folders).
 */
function sourceRelativeImportMetaUrl(distDir: string): Plugin {
  return {
    name: 'source-relative-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const relative = path.relative(distDir, args.path).split(path.sep).join('/');
        const url = `new URL(${JSON.stringify(relative)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

export async function bundleService(service: string): Promise<Bundled> {
  const serviceDir = path.join(ROOT, 'services', service);
  const distDir = path.join(serviceDir, 'dist');
  const common = {
    outdir: distDir,
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // Linked maps for `node --enable-source-maps`: stack traces name the TypeScript line. No sources
    // inside: the positions are what a stack trace needs.
    sourcemap: 'linked',
    sourcesContent: false,
    // Bundling renames clashing top-level names (buildApp → buildApp2); keep .name as written, it
    // shows in logs and error names.
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [externalPackages, sourceRelativeImportMetaUrl(distDir)],
  } satisfies BuildOptions;
  const server = await build({ ...common, entryPoints: { server: path.join(serviceDir, 'src/server.ts') } });
  const serverPackages = summarize(server.metafile).packages;
  // The instrument module loads only the instrumentations of packages the server imports.
  const instrument = await build({
    ...common,
    entryPoints: { instrument: path.join(ROOT, 'libs/kit/src/instrument.ts') },
    define: { MERCATO_BUNDLED_PACKAGES: JSON.stringify(serverPackages) },
  });
  const both = summarize(server.metafile, instrument.metafile, ...(await workerImports(serviceDir)));
  // '<define:…>' is esbuild's name for the define's value, not a file.
  writeStamp(
    distDir,
    both.inputs.filter((f) => !f.startsWith('<')),
  );
  return { service, distDir, ...both };
}

/**
 * Plain JavaScript a service runs beside its bundle (services/<svc>/workers/*.mjs, started as worker
 * threads): not bundled, but the npm packages they import are run-time packages of the service too.
 */
async function workerImports(serviceDir: string): Promise<Metafile[]> {
  const dir = path.join(serviceDir, 'workers');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.mjs'));
  if (files.length === 0) return [];
  const scan = await build({
    entryPoints: files.map((f) => path.join(dir, f)),
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    outdir: path.join(serviceDir, 'dist', 'workers-scan'),
    platform: 'node',
    format: 'esm',
    metafile: true,
    logLevel: 'warning',
    plugins: [externalPackages],
  });
  return [scan.metafile];
}

// dist/.inputs.json: every source file of the bundles with its size and modification time, and this
// builder's own files. `isFresh` compares them: `npm start` rebuilds only a service whose sources
// changed (esbuild takes ~0.1 s a service; checking takes milliseconds).
const STAMP = '.inputs.json';
const BUILDER_FILES = ['scripts/build/bundle.ts', 'package-lock.json'];

function fingerprint(files: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of files) {
    try {
      const st = statSync(path.join(ROOT, file));
      out[file] = `${st.size}:${st.mtimeMs}`;
    } catch {
      out[file] = 'missing';
    }
  }
  return out;
}

function writeStamp(distDir: string, inputs: string[]): void {
  writeFileSync(path.join(distDir, STAMP), JSON.stringify(fingerprint([...inputs, ...BUILDER_FILES])));
}

/** Whether services/<svc>/dist holds bundles of the sources as they are now. */
export function isFresh(service: string): boolean {
  const distDir = path.join(ROOT, 'services', service, 'dist');
  if (!existsSync(path.join(distDir, 'server.js')) || !existsSync(path.join(distDir, 'instrument.js')))
    return false;
  let recorded: Record<string, string>;
  try {
    recorded = JSON.parse(readFileSync(path.join(distDir, STAMP), 'utf8'));
  } catch {
    return false;
  }
  const now = fingerprint(Object.keys(recorded));
  return Object.entries(recorded).every(([file, print]) => now[file] === print && print !== 'missing');
}

function summarize(...metafiles: Metafile[]): { packages: string[]; inputs: string[] } {
  const packages = new Set<string>();
  const inputs = new Set<string>();
  for (const metafile of metafiles) {
    for (const output of Object.values(metafile.outputs)) {
      for (const imp of output.imports) {
        if (imp.external && !isBuiltin(imp.path)) packages.add(packageName(imp.path));
      }
    }
    for (const input of Object.keys(metafile.inputs)) inputs.add(input);
  }
  return { packages: [...packages].sort(), inputs: [...inputs].sort() };
}
