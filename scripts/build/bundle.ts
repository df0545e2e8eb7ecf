// Bundles one service to plain JavaScript with esbuild: services/<svc>/dist/server.js (the service and
// the workspace libs @mercato/* in one ESM file) and dist/instrument.js (the kit's OpenTelemetry
// start-up), each with a source map. npm packages stay external: OpenTelemetry instruments them by
// hooking their loading from node_modules, and some read their own files (pdfkit's fonts).
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

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
  const result = await build({
    entryPoints: {
      server: path.join(serviceDir, 'src/server.ts'),
      instrument: path.join(ROOT, 'libs/kit/src/instrument.ts'),
    },
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
  });
  return { service, distDir, ...summarize(result.metafile) };
}

function summarize(metafile: Metafile): { packages: string[]; inputs: string[] } {
  const packages = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) {
      if (imp.external && !isBuiltin(imp.path)) packages.add(packageName(imp.path));
    }
  }
  return { packages: [...packages].sort(), inputs: Object.keys(metafile.inputs).sort() };
}
