// The production build: a service bundled with its migrations, only runtime packages laid out, and
// the laid-out tree runs with plain node, away from the repository's node_modules.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort } from '@mercato/testing';
import t from 'tap';
import { bundleService, ROOT } from './bundle.ts';
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
  t.ok(bundled.packages.includes('@opentelemetry/sdk-node'));
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

  // Every static import (mjml, pdf, OpenTelemetry …) is loaded before server.ts reads its config: the
  // config error for the missing DATABASE_URL etc. (exit 1, one line) proves they all resolved here.
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
});
