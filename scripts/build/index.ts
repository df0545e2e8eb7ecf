/**
 * `npm run build`: bundles services to plain JavaScript for production (`node`, no tsx).
 *
 *   node --import tsx scripts/build/index.ts [service …] [--out DIR]
 *
 * Without services: every folder under services/ with a src/server.ts. Each gets
 * services/<svc>/dist/server.js and dist/instrument.js (+ .map): run it as the image, `npm start` and
 * the service's own `npm start` do, from services/<svc> (launch.ts):
 *   node --enable-source-maps --import ./dist/instrument.js ./dist/server.js
 * --if-stale builds only services whose sources changed since their last build (a service's
 * `prestart`; scripts/start.ts does the same through launch.ts).
 * --out DIR (one service; the Dockerfile uses it) also lays out in DIR what the image needs: the
 * service's dist/ and run-time folders, and only the npm packages its bundles reach (runtime-tree.ts).
 * Tests and `npm run dev -w @mercato/<svc>` run the TypeScript sources with tsx; dist/ is not committed.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleService, isFresh, ROOT } from './bundle.ts';
import { serviceNames } from './launch.ts';
import { copyPackages, copyServiceFiles, runtimeClosure } from './runtime-tree.ts';

const { values, positionals } = parseArgs({
  options: { out: { type: 'string' }, 'if-stale': { type: 'boolean' } },
  allowPositionals: true,
});
const all = serviceNames();
const services = positionals.length > 0 ? positionals : all;
const unknown = services.filter((s) => !all.includes(s));
if (unknown.length > 0) {
  console.error(`build: no such service: ${unknown.join(', ')} (services: ${all.join(', ')})`);
  process.exit(1);
}
if (values.out && services.length !== 1) {
  console.error('build: --out lays out one service: name exactly one');
  process.exit(1);
}

for (const service of services) {
  const started = Date.now();
  if (values['if-stale'] && !values.out && isFresh(service)) continue;
  rmSync(path.join(ROOT, 'services', service, 'dist'), { recursive: true, force: true });
  const bundled = await bundleService(service);
  const migrations = bundled.inputs.filter((f) => f.startsWith(`services/${service}/migrations/`)).length;
  let line = `${service}: dist/server.js + dist/instrument.js, ${bundled.inputs.length} sources (${migrations} migration files), ${bundled.packages.length} npm packages imported`;
  if (values.out) {
    const out = path.resolve(values.out);
    const keys = runtimeClosure(ROOT, `services/${service}`, bundled.packages);
    copyPackages(ROOT, keys, out);
    copyServiceFiles(ROOT, service, out);
    line += `, ${keys.length} packages laid out in ${out}`;
  }
  console.log(`${line} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
