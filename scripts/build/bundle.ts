// Bundles one service to plain JavaScript with esbuild: services/<svc>/dist/server.js (the service and
// the workspace libs @mercato/* in one ESM file) and dist/instrument.js (the kit's OpenTelemetry
// start-up), each with a source map. npm packages stay external: OpenTelemetry instruments them by
// hooking their loading from node_modules, and some read their own files (pdfkit's fonts).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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

/**
 * npm packages bundled instead of loaded from node_modules: plain ES modules spread over many small
 * files, which nothing instruments and none of which reads files of its own. Node's loader pays for
 * each module it resolves, reads, compiles and links (about half a millisecond on this machine):
 * typebox alone is 683 modules of a service's ~1,900 at start, MikroORM with kysely 438, jose 46.
 * They go to dist/npm/ (one module per specifier our code imports, shared code in chunks), without a
 * source map: Node parses a linked map whole at load, and theirs would be 1.6 MB (+30 MB RSS for
 * orders); frames in them show their JavaScript positions, as for any npm package.
 */
export const BUNDLED_NPM_PACKAGES = new Set([
  'typebox',
  'jose',
  'uuidv7',
  // MikroORM and its query builder; the pg driver it loads stays external (instrumented).
  '@mikro-orm/core',
  '@mikro-orm/sql',
  '@mikro-orm/postgresql',
  '@mikro-orm/migrations',
  'kysely',
]);

/** 'typebox/compile' → npm/typebox__compile.js, '@mikro-orm/core' → npm/mikro-orm__core.js */
const npmModuleName = (specifier: string) => specifier.replace(/^@/, '').replaceAll('/', '__');

/**
 * Bare imports: @mercato/* is bundled (resolved to libs/*\/src through the workspace links); every
 * other npm package stays external. A BUNDLED_NPM_PACKAGES import becomes an import of
 * ./npm/<name>.js, recorded in `npmSpecifiers` for the build of dist/npm/; with `npmSpecifiers`
 * undefined (the build of dist/npm/ itself), those packages are bundled where they are imported.
 */
function npmImports(npmSpecifiers?: Set<string>): Plugin {
  return {
    name: 'npm-imports',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@mercato/')) return undefined;
        if (BUNDLED_NPM_PACKAGES.has(packageName(args.path))) {
          if (!npmSpecifiers) return undefined;
          npmSpecifiers.add(args.path);
          return { path: `./npm/${npmModuleName(args.path)}.js`, external: true };
        }
        return { path: args.path, external: true };
      });
    },
  };
}

/** Every bare import except @mercato/* stays external (what the worker scan needs to know). */
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

/**
 * The first lines of dist/instrument.js, the first module a service runs. Node's compile cache
 * (V8 code cache on disk) for every module loaded after it — the OpenTelemetry packages, server.js
 * and its npm packages —, in services/<svc>/dist/.compile-cache. Parsing and compiling those is a
 * large part of a start; a cached start skips most of it. `portable`: entries are keyed by paths
 * relative to the cache folder, so the cache the image build writes (Dockerfile) is found where the
 * image runs it. NODE_COMPILE_CACHE=dir puts it elsewhere, NODE_DISABLE_COMPILE_CACHE=1 turns it off;
 * a read-only folder is only read. Entries are written when the process exits, and by runService
 * once the service listens (@mercato/kit), so one start is enough to fill it.
 */
const COMPILE_CACHE = [
  "import { enableCompileCache as enableCompileCache$, getSourceMapsSupport as getSourceMapsSupport$, setSourceMapsSupport as setSourceMapsSupport$ } from 'node:module';",
  "import { fileURLToPath as fileURLToPath$ } from 'node:url';",
  "enableCompileCache$({ directory: process.env.NODE_COMPILE_CACHE || fileURLToPath$(new URL('./.compile-cache/', import.meta.url)), portable: true });",
];

/**
 * Also first: `--enable-source-maps` (the start command) maps stack frames of every module with a
 * source map, npm packages and eval'd code included, and Node reads and parses each map as its
 * module loads. The OpenTelemetry packages ship one per file (thousands): measured here, +100 ms
 * and +4 MB RSS for four of them. Our bundles' maps are what a stack trace needs (the TypeScript
 * lines); frames in npm packages keep their own JavaScript positions.
 */
const SOURCE_MAPS_OF_OURS_ONLY = [
  'if (getSourceMapsSupport$().enabled) setSourceMapsSupport$(true, { nodeModules: false, generatedCode: false });',
];

export const INSTRUMENT_BANNER = [...COMPILE_CACHE, ...SOURCE_MAPS_OF_OURS_ONLY].join('\n');

export async function bundleService(service: string): Promise<Bundled> {
  const serviceDir = path.join(ROOT, 'services', service);
  const distDir = path.join(serviceDir, 'dist');
  const npmSpecifiers = new Set<string>();
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
    plugins: [npmImports(npmSpecifiers), sourceRelativeImportMetaUrl(distDir)],
  } satisfies BuildOptions;
  // Splitting: a dynamic import() of our code becomes a chunk (dist/chunk-*.js) loaded when it runs,
  // with the npm packages it imports. @mercato/service loads the database and the broker so, and a
  // service without them (the gateway) never loads MikroORM, pg or amqplib.
  const server = await build({
    ...common,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    entryPoints: { server: path.join(serviceDir, 'src/server.ts') },
  });
  const npm = await bundleNpmPackages(distDir, npmSpecifiers);
  const serverPackages = summarize(server.metafile, ...npm).packages;
  // The instrument module loads only the instrumentations of packages the server imports.
  const instrument = await build({
    ...common,
    entryPoints: { instrument: path.join(ROOT, 'libs/kit/src/instrument.ts') },
    define: { MERCATO_BUNDLED_PACKAGES: JSON.stringify(serverPackages) },
    banner: { js: INSTRUMENT_BANNER },
  });
  const both = summarize(server.metafile, ...npm, instrument.metafile, ...(await workerImports(serviceDir)));
  const assetInputs = await buildAssets(serviceDir, distDir);
  // '<define:…>' is esbuild's name for the define's value, not a file.
  const files = both.inputs.filter((f) => !f.startsWith('<'));
  writeStamp(distDir, [...files, ...assetInputs]);
  return { service, distDir, ...both };
}

/** dist/npm/: the BUNDLED_NPM_PACKAGES the service imports, as ES modules with shared chunks, no map. */
async function bundleNpmPackages(distDir: string, specifiers: Set<string>): Promise<Metafile[]> {
  const outdir = path.join(distDir, 'npm');
  rmSync(outdir, { recursive: true, force: true });
  if (specifiers.size === 0) return [];
  const result = await build({
    entryPoints: Object.fromEntries([...specifiers].map((s) => [npmModuleName(s), s])),
    outdir,
    absWorkingDir: ROOT,
    bundle: true,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    keepNames: true,
    // V8 keeps every module's source as a string for as long as the process runs (lazy compilation,
    // Function.prototype.toString): without comments and indentation these are 2.7 → 1.9 MB for
    // orders, ~3 MB less RSS. Names are kept (keepNames, no identifier minification) and lines cut at
    // 160 characters, so a stack frame in them still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    lineLimit: 160,
    metafile: true,
    logLevel: 'warning',
    plugins: [npmImports()],
  });
  return [result.metafile];
}

/**
 * A service's own build step, src/build-assets.ts exporting `buildAssets(distDir)`: files it makes in
 * dist/ from sources that are not code (notifications: its MJML templates compiled to HTML, so its
 * start does not load mjml). Resolves with the files those were made from (relative to the
 * repository root), which the stamp records: a changed template makes the build stale. Run here, at
 * build time (tsx), never bundled.
 */
async function buildAssets(serviceDir: string, distDir: string): Promise<string[]> {
  const step = path.join(serviceDir, 'src', 'build-assets.ts');
  if (!existsSync(step)) return [];
  const { buildAssets: run } = (await import(pathToFileURL(step).href)) as {
    buildAssets: (distDir: string) => Promise<string[]>;
  };
  return [step, ...(await run(distDir))].map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
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
        // ./npm/*.js: the bundled npm packages, in dist/ too.
        if (!imp.external || isBuiltin(imp.path) || imp.path.startsWith('.')) continue;
        // A bundled package's import() of an optional package it does without (MikroORM's
        // dataloader, tinyglobby) is not a run-time package of the service unless it is installed.
        const optional =
          imp.kind === 'dynamic-import' &&
          !existsSync(path.join(ROOT, 'node_modules', packageName(imp.path)));
        if (!optional) packages.add(packageName(imp.path));
      }
    }
    for (const input of Object.keys(metafile.inputs)) inputs.add(input);
  }
  return { packages: [...packages].sort(), inputs: [...inputs].sort() };
}
