// The production build: a service bundled with its migrations, only runtime packages laid out, and
// the laid-out tree runs with plain node, away from the repository's node_modules.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort } from '@mercato/testing';
import t from 'tap';
import { bundleService, isFresh, ROOT } from './bundle.ts';
import { launchOf, SHIPPED_START, serviceNames } from './launch.ts';
import { copyPackages, copyServiceFiles, runtimeClosure } from './runtime-tree.ts';

t.test('orders: every migration is in the bundle, npm packages stay external', async (t) => {
  const bundled = await bundleService('orders');
  t.ok(existsSync(path.join(bundled.distDir, 'server.js')));
  t.ok(existsSync(path.join(bundled.distDir, 'server.js.map')));
  t.ok(existsSync(path.join(bundled.distDir, 'instrument.js')));
  const migrations = readdirSync(path.join(ROOT, 'services/orders/migrations')).filter((f) =>
    f.endsWith('.ts'),
  );
  t.ok(migrations.length > 1);
  for (const m of migrations) t.ok(bundled.inputs.includes(`services/orders/migrations/${m}`), m);
  t.ok(bundled.inputs.includes('libs/kit/src/instrument.ts'));
  t.ok(bundled.packages.includes('fastify'));
  // The instrument module imports the SDK's parts it uses, and only when it runs (not sdk-node's 45 MB).
  t.ok(bundled.packages.includes('@opentelemetry/sdk-trace'));
  t.notOk(bundled.packages.includes('@opentelemetry/sdk-node'));
  t.ok(isFresh('orders'), 'just built: fresh');
  // Packages of many small modules are bundled to dist/npm/ (no map), not loaded from node_modules.
  for (const p of ['typebox', '@mikro-orm/core', '@mikro-orm/postgresql', 'kysely', 'jose']) {
    t.notOk(bundled.packages.includes(p), `${p} is bundled`);
  }
  t.ok(existsSync(path.join(bundled.distDir, 'npm/mikro-orm__postgresql.js')));
  t.notOk(existsSync(path.join(bundled.distDir, 'npm/mikro-orm__postgresql.js.map')));
  t.ok(bundled.packages.includes('pg'), 'the driver MikroORM loads stays external (instrumented)');
  t.notOk(
    bundled.packages.some((p) => p.startsWith('@mercato/')),
    'workspace libs bundled',
  );

  const closure = runtimeClosure(ROOT, 'services/orders', bundled.packages);
  t.ok(closure.includes('node_modules/fastify'));
  t.ok(closure.includes('node_modules/pg'), "MikroORM's driver, reached through @mikro-orm/postgresql");
  for (const dev of ['typescript', 'tsx', 'esbuild', 'tap', '@biomejs/biome', 'kubernetes-models']) {
    t.notOk(closure.includes(`node_modules/${dev}`), `${dev} is not in the image`);
  }
});

t.test('notifications: the laid-out tree starts with plain node outside the repository', async (t) => {
  const bundled = await bundleService('notifications');
  const out = mkdtempSync(path.join(os.tmpdir(), 'mercato-build-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  t.notOk(
    existsSync(path.join(os.tmpdir(), 'node_modules')),
    'no node_modules above the tree to fall back on',
  );
  copyPackages(ROOT, runtimeClosure(ROOT, 'services/notifications', bundled.packages), out);
  copyServiceFiles(ROOT, 'notifications', out);
  const cwd = path.join(out, 'services/notifications');
  // The e-mail templates are read next to the sources' old place: services/notifications/templates.
  t.ok(existsSync(path.join(cwd, 'templates')));
  t.notOk(existsSync(path.join(cwd, 'src')));
  t.notOk(existsSync(path.join(out, 'node_modules/typescript')), "cosmiconfig's optional peer left out");

  // Every static import, and the OpenTelemetry packages instrument.js imports before server.js runs,
  // is loaded before server.ts reads its config: the config error for the missing DATABASE_URL etc.
  // (exit 1, one line) proves they all resolved here.
  const port = await freeTcpPort();
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', '--import', './dist/instrument.js', './dist/server.js'],
    { cwd, env: { PATH: process.env.PATH, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.equal(code, 1);
  t.match(output, /^config: .+ required$/m);
  t.notMatch(output, /ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);

  // The chunks a start loads later (the database and the broker, when buildService reaches them)
  // resolve their packages in the tree too: each one imported on its own.
  const chunks = readdirSync(path.join(cwd, 'dist')).filter((f) => /^chunk-.*\.js$/.test(f));
  t.ok(chunks.length > 0, 'the bundle has chunks');
  for (const chunk of chunks) {
    const load = spawn(process.execPath, ['--input-type=module', '-e', `await import('./dist/${chunk}')`], {
      cwd,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    load.stderr.on('data', (d) => (err += d));
    t.equal(
      await new Promise<number | null>((resolve) => load.once('exit', resolve)),
      0,
      `${chunk} loads: ${err}`,
    );
  }
});

/** The modules a start of dist/server.js loads before any code runs: its static imports, transitively. */
function staticImports(distDir: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.startsWith('./')) return; // a package: not followed
    const source = readFileSync(path.join(distDir, file), 'utf8');
    for (const m of source.matchAll(
      /^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm,
    )) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith('node:')) continue;
      visit(spec.startsWith('.') ? `./${path.posix.join(path.posix.dirname(file), spec)}` : spec);
    }
  };
  visit('./server.js');
  return seen;
}

t.test('a service without a database does not load the ORM, the driver or the broker client', async (t) => {
  const gateway = await bundleService('gateway');
  const loaded = [...staticImports(gateway.distDir)];
  t.ok(loaded.includes('fastify'), 'the walk follows the imports');
  for (const unwanted of ['pg', 'amqplib', './npm/mikro-orm__core.js', './npm/mikro-orm__postgresql.js']) {
    t.notOk(loaded.includes(unwanted), `gateway: ${unwanted} is not loaded at start`);
  }
  // The database chunk is still in the gateway's tree: its packages stay run-time packages.
  t.ok(gateway.packages.includes('pg'), 'pg: instrumented and laid out for the chunk that imports it');
});

t.test(
  "the image's compile cache: written by a start as the Dockerfile runs it, used where the tree is copied",
  async (t) => {
    const bundled = await bundleService('fake-carrier');
    const built = mkdtempSync(path.join(os.tmpdir(), 'mercato-build-'));
    const copied = mkdtempSync(path.join(os.tmpdir(), 'mercato-image-'));
    t.teardown(() => {
      rmSync(built, { recursive: true, force: true });
      rmSync(copied, { recursive: true, force: true });
    });
    copyPackages(ROOT, runtimeClosure(ROOT, 'services/fake-carrier', bundled.packages), built);
    copyServiceFiles(ROOT, 'fake-carrier', built);
    rmSync(path.join(built, 'services/fake-carrier/dist/.compile-cache'), { recursive: true, force: true });
    const start = async (root: string, env: Record<string, string> = {}) => {
      const child = spawn(process.execPath, SHIPPED_START.split(' ').slice(1), {
        cwd: path.join(root, 'services/fake-carrier'),
        env: { PATH: process.env.PATH, PORT: '-1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { code, output };
    };
    // The Dockerfile's warm-up: PORT=-1 stops the start at the configuration check.
    const warm = await start(built);
    t.equal(warm.code, 1);
    t.match(warm.output, /^config: PORT /m);
    t.ok(
      readdirSync(path.join(built, 'services/fake-carrier/dist/.compile-cache')).length > 0,
      'cache written',
    );
    cpSync(built, copied, { recursive: true });
    const run = await start(copied, { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    t.match(
      run.output,
      /V8 code cache for ESM file:\/\/\S+\/dist\/server\.js was accepted/,
      'server.js from the cache',
    );
    t.match(
      run.output,
      /V8 code cache for ESM file:\/\/\S+\/dist\/npm\/\S+ was accepted/,
      'the bundled packages too',
    );
    t.notMatch(run.output, /V8 code cache for \S+ file:\/\/\S+\/dist\/server\.js was rejected/);
  },
);

t.test('mjml, loaded only by the MJML worker thread, resolves in the laid-out tree', async (t) => {
  const bundled = await bundleService('notifications');
  t.ok(bundled.packages.includes('mjml'), "the worker's imports count as run-time packages");
  t.ok(bundled.inputs.includes('services/notifications/workers/mjml.mjs'));
  const out = mkdtempSync(path.join(os.tmpdir(), 'mercato-build-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  copyPackages(ROOT, runtimeClosure(ROOT, 'services/notifications', bundled.packages), out);
  copyServiceFiles(ROOT, 'notifications', out);
  const cwd = path.join(out, 'services/notifications');
  const script = `const { Worker } = require('node:worker_threads');
new Worker('./workers/mjml.mjs', { workerData: { documents: [{ name: 'a', mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>' }] } })
  .once('message', (m) => console.log(JSON.stringify(m)));`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  t.equal(await new Promise<number | null>((resolve) => child.once('exit', resolve)), 0, output);
  const [result] = JSON.parse(output);
  t.match(result, { name: 'a', errors: [] });
  t.match(result.html, /Hi/);
});

t.test('one start command: every package.json start, the launcher and the image agree', async (t) => {
  for (const service of serviceNames()) {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'services', service, 'package.json'), 'utf8'));
    t.equal(pkg.scripts.start, SHIPPED_START, `${service}: start runs the bundles as the image does`);
    t.match(pkg.scripts.prestart, /scripts\/build\/index\.ts --if-stale /, `${service}: builds first`);
    const launch = launchOf(service, ['--cpu-prof']);
    t.equal(launch.command, process.execPath);
    t.same(launch.args, ['--cpu-prof', ...SHIPPED_START.split(' ').slice(1)]);
    t.equal(launch.cwd, path.join(ROOT, 'services', service));
  }
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const cmd = [...dockerfile.matchAll(/^CMD (\[.*\])$/gm)].at(-1)?.[1];
  t.same(JSON.parse(cmd ?? '[]'), SHIPPED_START.split(' '), "the image's CMD");
  // The compile cache depends on the node flags: the image build writes it with the same command.
  t.ok(dockerfile.includes(`PORT=-1 ${SHIPPED_START} `), "the image's compile-cache warm-up runs the CMD");
});

t.test('a changed source makes the bundles stale; rebuilding makes them fresh', async (t) => {
  await bundleService('fake-carrier');
  t.ok(isFresh('fake-carrier'));
  const source = path.join(ROOT, 'services/fake-carrier/src/server.ts');
  const { atime, mtime } = statSync(source);
  t.teardown(() => utimesSync(source, atime, mtime));
  utimesSync(source, atime, new Date(mtime.getTime() + 1000));
  t.notOk(isFresh('fake-carrier'), 'touched: stale');
  await bundleService('fake-carrier');
  t.ok(isFresh('fake-carrier'));
});

t.test(
  "notifications' build step: the templates' HTML in dist/, a changed template makes the build stale",
  async (t) => {
    const bundled = await bundleService('notifications');
    const built = JSON.parse(readFileSync(path.join(bundled.distDir, 'mail-html.json'), 'utf8'));
    const templates = readdirSync(path.join(ROOT, 'services/notifications/templates'), {
      withFileTypes: true,
    })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    t.same(built.templates, templates, 'every shipped template compiled');
    t.equal(Object.keys(built.html).length, templates.length, 'one HTML document each');
    t.ok(isFresh('notifications'));
    const body = path.join(ROOT, 'services/notifications/templates/welcome/html.mjml');
    const { atime, mtime } = statSync(body);
    t.teardown(() => utimesSync(body, atime, mtime));
    utimesSync(body, atime, new Date(mtime.getTime() + 1000));
    t.notOk(isFresh('notifications'), 'a template touched: stale');
    // Restored times lose their sub-millisecond part, which the stamp records: built again, as the
    // change would be.
    utimesSync(body, atime, mtime);
    await bundleService('notifications');
    t.ok(isFresh('notifications'), 'built again: fresh');
    const folder = path.join(ROOT, 'services/notifications/templates');
    const dir = statSync(folder);
    t.teardown(() => utimesSync(folder, dir.atime, dir.mtime));
    utimesSync(folder, dir.atime, new Date(dir.mtime.getTime() + 1000));
    t.notOk(isFresh('notifications'), 'the templates folder changed (a template added or removed): stale');
    utimesSync(folder, dir.atime, dir.mtime);
    await bundleService('notifications');
    t.ok(isFresh('notifications'), 'built again: fresh');
  },
);
